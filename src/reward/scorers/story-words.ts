// Word lists for the TinyStories reward suite and the bundled prompt generator: character names as they
// appear in TinyStories (Lily, Tim, Mia, ...), settings, and the ending-sentiment lexicons.
// Shared by story.ts, story-judge.ts and scripts/make-story-prompts.ts so prompts and scorers agree.

export const girlNames = [
  "Lily", "Mia", "Sue", "Anna", "Lucy", "Amy", "Emma", "Sara", "Molly", "Zoe", "Ella", "Jill", "Kate", "Rosie",
  "Daisy", "Lola", "Mary", "Ann", "Jane", "Sally", "Lisa", "Kim", "Sophie", "Mila",
];
export const boyNames = [
  "Tim", "Tom", "Ben", "Max", "Sam", "Jack", "Jake", "Timmy", "Billy", "Bob", "Joe", "Leo", "Mark", "Bobby",
  "Jimmy", "Dan", "Nick", "Alex", "Peter", "Finn", "Luke", "Ned", "Ted", "Toby",
];
export const petNames = ["Spot", "Max", "Buddy", "Kitty", "Mittens", "Fluffy", "Rex", "Coco", "Pip", "Whiskers"];
export const allNames = [...new Set([...girlNames, ...boyNames, ...petNames])];

export const animals = ["dog", "cat", "bunny", "bird", "bear", "duck", "frog", "mouse", "puppy", "fish"];
export const adjectives = ["little", "happy", "small", "kind", "curious", "brave", "friendly", "shy", "big", "silly"];
export const places = ["park", "forest", "garden", "beach", "farm", "store", "pond", "zoo", "playground", "town"];
export const activities = [
  "play with her ball", "draw pictures", "run in the grass", "sing songs", "read books", "play in the sand",
  "look at the stars", "build with blocks", "jump in puddles", "pick flowers", "help her mom", "ride her bike",
];

// Ending sentiment: words children's stories close on when things end well or badly.
export const positiveWords = [
  "happy", "happily", "smiled", "smile", "smiling", "laughed", "laugh", "fun", "love", "loved", "glad", "friend",
  "friends", "together", "hug", "hugged", "best", "safe", "proud", "thank", "thanked", "kind", "joy", "great",
  "nice", "good", "played", "shared", "helped", "excited",
];
export const negativeWords = [
  "sad", "cried", "cry", "crying", "hurt", "angry", "scared", "lost", "broken", "broke", "bad", "alone", "sorry",
  "mad", "upset", "fell", "died", "afraid", "never", "gone",
];
