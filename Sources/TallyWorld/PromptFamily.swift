/// A family of prompts whose answers a program can check.
///
/// A family draws unlimited prompts from a seed (``generate(using:)``) and recognises its own
/// prompts when they come back as bare text (``recognize(_:)``). Both go through the same
/// templates, so `recognize(generate(...).text)` gives back the same prompt.
public protocol PromptFamily: Sendable {
    /// A short stable name, e.g. `"arithmetic"`; stored with imported prompts.
    var name: String { get }
    /// Every template the family writes prompts with.
    var templates: [PromptTemplate] { get }
    /// Draws a template index and slot values.
    func sampleSlots(using rng: inout SplitMix64) -> (template: Int, slots: [String: String])
    /// The prompt for a template and its slot values, or nil if the values are not ones this
    /// family could have written (then the text belongs to some other family, or to none).
    func prompt(template: Int, slots: [String: String]) -> WorldPrompt?
}

extension PromptFamily {
    /// A fresh prompt drawn from `rng`.
    public func generate(using rng: inout SplitMix64) -> WorldPrompt {
        while true {
            let (template, slots) = sampleSlots(using: &rng)
            if let prompt = prompt(template: template, slots: slots) { return prompt }
        }
    }

    /// The prompt `text` spells, if this family could have written it.
    public func recognize(_ text: String) -> WorldPrompt? {
        for (index, template) in templates.enumerated() {
            guard let slots = template.match(text), var prompt = prompt(template: index, slots: slots) else { continue }
            prompt.text = text
            return prompt
        }
        return nil
    }
}
