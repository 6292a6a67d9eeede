/// Word lists the families draw from; all lower-case and written for this project.
enum Vocabulary {
    /// Common nouns of 3–11 letters, used for spelling and counting prompts.
    static let nouns = [
        "apple", "banana", "strawberry", "planet", "ocean", "garden", "window", "pencil", "mountain", "river",
        "bottle", "candle", "rocket", "turtle", "library", "kitchen", "blanket", "compass", "lantern", "harbor",
        "island", "jacket", "ladder", "marble", "needle", "orange", "parrot", "quartz", "rabbit", "saddle",
        "tomato", "umbrella", "violin", "walnut", "yogurt", "zebra", "anchor", "basket", "cactus", "dolphin",
        "engine", "falcon", "guitar", "hammer", "igloo", "jungle", "kettle", "lemon", "mirror", "noodle",
        "oyster", "pepper", "puzzle", "rainbow", "spider", "teapot", "valley", "wizard", "yacht", "bridge",
        "cabbage", "desert", "feather", "glacier", "horizon", "meadow", "pyramid", "satellite", "mississippi",
        "balloon", "coffee", "letter", "bookkeeper", "committee", "address", "butter", "cherry", "pillow",
    ]

    /// Adjectives for the sentences of the word-counting family.
    static let adjectives = [
        "quick", "lazy", "bright", "quiet", "small", "heavy", "green", "old", "tiny", "curious", "happy", "cold",
        "gentle", "noisy", "brave", "clever", "dusty", "silver", "wooden", "sleepy",
    ]

    /// Plural subjects for the sentences of the word-counting family.
    static let subjects = [
        "cats", "dogs", "children", "farmers", "birds", "sailors", "students", "bakers", "foxes", "neighbours",
        "painters", "robots", "horses", "pilots", "gardeners",
    ]

    /// Present-tense plural verbs taking an object.
    static let verbs = [
        "watch", "carry", "paint", "find", "follow", "build", "clean", "chase", "share", "fix", "borrow", "open",
    ]

    /// Words that may stand between words of a sentence without being content.
    static let places = ["in the park", "by the river", "near the old mill", "at dawn", "after lunch", "every day"]
}
