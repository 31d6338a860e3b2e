package media

import (
	"encoding/binary"
	"fmt"
	"math"
)

// PCM16 converts samples in [-1, 1] to 16-bit PCM, clipping values
// outside the range (as libsndfile does when W&B writes a WAV) and refusing
// NaN and ±Inf.
func PCM16[F ~float32 | ~float64](samples []F) ([]int16, error) {
	out := make([]int16, len(samples))
	for i, s := range samples {
		v := float64(s)
		if v-v != 0 {
			return nil, fmt.Errorf("%w: audio sample %d is %v", ErrInvalid, i, v)
		}
		out[i] = int16(math.Round(max(-1, min(1, v)) * math.MaxInt16))
	}
	return out, nil
}

// EncodeWAV writes interleaved 16-bit samples as a canonical PCM WAV file
// (RIFF, a 16-byte fmt chunk, one data chunk).
func EncodeWAV(pcm []int16, channels, sampleRate int) []byte {
	data := 2 * len(pcm)
	b := make([]byte, 44+data)
	le := binary.LittleEndian
	copy(b[0:], "RIFF")
	le.PutUint32(b[4:], uint32(36+data))
	copy(b[8:], "WAVEfmt ")
	le.PutUint32(b[16:], 16)
	le.PutUint16(b[20:], 1) // PCM
	le.PutUint16(b[22:], uint16(channels))
	le.PutUint32(b[24:], uint32(sampleRate))
	le.PutUint32(b[28:], uint32(sampleRate*channels*2))
	le.PutUint16(b[32:], uint16(channels*2))
	le.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	le.PutUint32(b[40:], uint32(data))
	for i, s := range pcm {
		le.PutUint16(b[44+2*i:], uint16(s))
	}
	return b
}
