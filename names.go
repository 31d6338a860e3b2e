package wandb

import (
	"crypto/rand"
	"fmt"
	"math/big"
)

var (
	nameAdjectives = []string{
		"amber", "ancient", "autumn", "bright", "brisk", "calm", "celestial", "cosmic", "crimson", "dainty",
		"dark", "dashing", "dauntless", "denim", "desert", "divine", "dry", "earthy", "eager", "efficient",
		"electric", "elegant", "fancy", "fearless", "fiery", "floral", "fluent", "fragrant", "frosty", "gallant",
		"generous", "gentle", "giddy", "glad", "glorious", "golden", "graceful", "grateful", "hardy", "helpful",
		"hearty", "icy", "jolly", "jumping", "laced", "lilac", "lively", "lucky", "lunar", "magic",
		"mild", "misty", "morning", "noble", "olive", "peachy", "polished", "proud", "quiet", "rare",
		"restful", "rich", "royal", "rosy", "rural", "sage", "scarlet", "serene", "sharp", "silver",
		"smart", "snowy", "solar", "spring", "stellar", "still", "stoic", "sunny", "swift", "twilight",
		"valiant", "vibrant", "vital", "warm", "wild", "winter", "wise", "woven", "young", "zesty",
	}
	nameNouns = []string{
		"aardvark", "bird", "blaze", "breeze", "brook", "butterfly", "cherry", "cloud", "comet", "cosmos",
		"dawn", "deluge", "dew", "dream", "dust", "eon", "feather", "field", "firebrand", "firefly",
		"flower", "fog", "forest", "frog", "frost", "galaxy", "glade", "glitter", "grass", "haze",
		"hill", "lake", "leaf", "meadow", "moon", "morning", "mountain", "night", "oath", "ocean",
		"paper", "planet", "plant", "pond", "puddle", "rain", "resonance", "river", "salad", "sea",
		"serenity", "shadow", "shape", "silence", "sky", "smoke", "snow", "snowflake", "sound", "spaceship",
		"spark", "star", "sun", "sunset", "surf", "thunder", "totem", "tree", "universe", "valley",
		"violet", "voice", "water", "wave", "wildflower", "wind", "wood", "yogurt",
	}
)

// generateName returns an adjective-noun-number display name, the form W&B's
// server gives runs without a name.
func generateName() string {
	pick := func(words []string) string {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(words))))
		if err != nil {
			return words[0]
		}
		return words[n.Int64()]
	}
	n, _ := rand.Int(rand.Reader, big.NewInt(100))
	return fmt.Sprintf("%s-%s-%d", pick(nameAdjectives), pick(nameNouns), n.Int64()+1)
}
