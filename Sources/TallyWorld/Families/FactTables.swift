/// Small fact tables written for this project; the facts family asks about them and the corpus
/// states them the way web text would.
enum FactTables {
    /// Countries and their capital cities.
    static let capitals: [(country: String, capital: String)] = [
        ("France", "Paris"), ("Spain", "Madrid"), ("Italy", "Rome"), ("Germany", "Berlin"), ("Portugal", "Lisbon"),
        ("Japan", "Tokyo"), ("Egypt", "Cairo"), ("Kenya", "Nairobi"), ("Peru", "Lima"), ("Chile", "Santiago"),
        ("Canada", "Ottawa"), ("Australia", "Canberra"), ("Norway", "Oslo"), ("Sweden", "Stockholm"),
        ("Finland", "Helsinki"), ("Poland", "Warsaw"), ("Greece", "Athens"), ("Ireland", "Dublin"),
        ("Austria", "Vienna"), ("Hungary", "Budapest"), ("Argentina", "Buenos Aires"), ("Mexico", "Mexico City"),
        ("Thailand", "Bangkok"), ("Vietnam", "Hanoi"), ("Indonesia", "Jakarta"), ("Turkey", "Ankara"),
        ("Morocco", "Rabat"), ("Ghana", "Accra"), ("Nigeria", "Abuja"), ("Colombia", "Bogota"),
        ("Cuba", "Havana"), ("Denmark", "Copenhagen"), ("Belgium", "Brussels"), ("Netherlands", "Amsterdam"),
        ("Switzerland", "Bern"), ("China", "Beijing"), ("India", "New Delhi"), ("Russia", "Moscow"),
        ("Brazil", "Brasilia"), ("South Korea", "Seoul"), ("Iceland", "Reykjavik"), ("Nepal", "Kathmandu"),
    ]

    /// Chemical elements and their symbols. Elements whose symbol is also an English word
    /// (He, In, As, Be, I, No, At) are left out so that a symbol cannot be matched by accident.
    static let elements: [(name: String, symbol: String)] = [
        ("hydrogen", "H"), ("carbon", "C"), ("nitrogen", "N"), ("oxygen", "O"), ("sodium", "Na"),
        ("magnesium", "Mg"), ("aluminium", "Al"), ("silicon", "Si"), ("phosphorus", "P"), ("sulfur", "S"),
        ("chlorine", "Cl"), ("potassium", "K"), ("calcium", "Ca"), ("iron", "Fe"), ("copper", "Cu"),
        ("zinc", "Zn"), ("silver", "Ag"), ("tin", "Sn"), ("gold", "Au"), ("mercury", "Hg"), ("lead", "Pb"),
        ("neon", "Ne"), ("argon", "Ar"), ("nickel", "Ni"), ("cobalt", "Co"), ("uranium", "U"),
        ("lithium", "Li"), ("fluorine", "F"), ("platinum", "Pt"), ("titanium", "Ti"),
    ]

    /// Animals and their number of legs.
    static let legs: [(animal: String, legs: Int)] = [
        ("spider", 8), ("ant", 6), ("dog", 4), ("chicken", 2), ("horse", 4), ("beetle", 6), ("octopus", 8),
        ("cow", 4), ("duck", 2), ("bee", 6), ("scorpion", 8), ("kangaroo", 2), ("cat", 4), ("butterfly", 6),
        ("ostrich", 2), ("crab", 10), ("lobster", 10), ("frog", 4), ("penguin", 2), ("tick", 8),
    ]
}
