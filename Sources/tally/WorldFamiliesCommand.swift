import ArgumentParser
import TallyWorld

/// `tally world families`: the prompt families with an example of each.
struct WorldFamiliesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "families", abstract: "List the prompt families, each with an example prompt and answer.")

    func run() {
        let world = TallyWorld.World()
        for family in world.families {
            var rng = TallyWorld.SplitMix64(seed: 1, purpose: family.name)
            let example = family.generate(using: &rng)
            let name = family.name.padding(toLength: 18, withPad: " ", startingAt: 0)
            print("\(name) \(example.text)  ->  \(example.canonicalAnswer)")
        }
    }
}
