package sysmon

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/wjson"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// appendNumber writes integral values (counts, bytes, clocks) as JSON
// integers and the others as encoding/json writes floats.
func appendNumber(b []byte, v float64) []byte {
	if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
		return strconv.AppendInt(b, int64(v), 10)
	}
	return wjson.AppendFloat(b, v)
}

// Record builds the StatsRecord of one sample: its time and one item per
// value, sorted by key, each value as a JSON number (an integer when it is integral). Values that JSON cannot
// hold (NaN, ±Inf) are left out. Keys stay bare (see the package comment).
func Record(t time.Time, values map[string]float64) *recordpb.StatsRecord {
	rec := &recordpb.StatsRecord{
		StatsType: recordpb.StatsRecord_SYSTEM,
		Timestamp: timestamppb.New(t),
		Item:      make([]*recordpb.StatsItem, 0, len(values)),
	}
	var buf []byte
	for _, k := range slices.Sorted(maps.Keys(values)) {
		v := values[k]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		buf = appendNumber(buf[:0], v)
		rec.Item = append(rec.Item, &recordpb.StatsItem{Key: k, ValueJson: string(buf)})
	}
	return rec
}
