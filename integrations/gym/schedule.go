package gym

import "math"

// CappedCubic is gymnasium's default video schedule (RecordVideo's
// capped_cubic_video_schedule) and RecordVideo's: the perfect cubes below
// 1000 (episodes 0, 1, 8, 27, …, 729), then every 1000th episode.
func CappedCubic(episode int) bool {
	if episode < 0 {
		return false
	}
	if episode < 1000 {
		c := int(math.Round(math.Cbrt(float64(episode))))
		return c*c*c == episode
	}
	return episode%1000 == 0
}
