package gym

import (
	"net/url"
	"strconv"
	"strings"
)

// How a Recorder (ViaPlugin) talks to the gym plugin, in observations the
// plugin hub carries to every plugin of the run (others ignore them):
//
//   - each frame of the video logged under key K: an observation of kind
//     frame with key "gym/frame/K" and the frame's index in the video as
//     its step (0, 1, …), so the plugin notices frames the hub dropped;
//   - the end of the video: a scalar observation with key
//     "gym/end/K?fps=F&format=X", the number of frames sent as its value,
//     and the run's step when the recorder ended the video as its step.
//     That step only names the file (media/videos/K_<step>_<hash>.gif):
//     the plugin's row lands at the run's step when the host applies it,
//     which may be later, since the hub is asynchronous; in-process the
//     name has the step the row lands at.
const (
	framePrefix = "gym/frame/"
	endPrefix   = "gym/end/"
)

func frameKey(video string) string { return framePrefix + video }

func endKey(video string, fps int, format string) string {
	return endPrefix + video + "?fps=" + strconv.Itoa(fps) + "&format=" + url.QueryEscape(format)
}

// parseEnd splits an end key; the video key is what lies between the
// prefix and the last '?'.
func parseEnd(key string) (video string, fps int, format string, ok bool) {
	rest, ok := strings.CutPrefix(key, endPrefix)
	if !ok {
		return "", 0, "", false
	}
	i := strings.LastIndexByte(rest, '?')
	if i <= 0 {
		return "", 0, "", false
	}
	q, err := url.ParseQuery(rest[i+1:])
	if err != nil {
		return "", 0, "", false
	}
	fps, err = strconv.Atoi(q.Get("fps"))
	if err != nil {
		return "", 0, "", false
	}
	return rest[:i], fps, q.Get("format"), true
}
