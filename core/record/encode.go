// Package record encodes and decodes run records: the W&B record schema in
// recordpb, a fast hand-written encoder for the records written on every
// log call, and helpers that turn any record into bytes for the run log.
package record

import (
	"fmt"
	"math"
	"strconv"

	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/wjson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// Field numbers of recordpb.Record and its history messages (W&B's).
const (
	fieldRecordNum     = 1
	fieldRecordHistory = 2
	fieldHistoryItem   = 1
	fieldHistoryStep   = 2
	fieldStepNum       = 1
	fieldItemKey       = 1
	fieldItemNestedKey = 2
	fieldItemValueJSON = 16
	fieldItemDouble    = 1000
	fieldItemInt       = 1001
	fieldItemFloat     = 1002
)

// HistoryEncoder builds the bytes of a history Record without reflection or
// allocation in steady state. It is not safe for concurrent use.
type HistoryEncoder struct {
	body []byte
	out  []byte
}

// Reset starts a new history record.
func (e *HistoryEncoder) Reset() { e.body = e.body[:0] }

// AddItem adds one item with a JSON value. path is nil for a top-level key;
// otherwise it is the full nested path and key is ignored. valueJSON is
// copied.
func (e *HistoryEncoder) AddItem(key string, path []string, valueJSON []byte) {
	size := keySize(key, path) + protowire.SizeTag(fieldItemValueJSON) + protowire.SizeBytes(len(valueJSON))
	b := e.appendKey(size, key, path)
	b = protowire.AppendTag(b, fieldItemValueJSON, protowire.BytesType)
	e.body = protowire.AppendBytes(b, valueJSON)
}

// AddDouble adds one item holding a float64 in binary (value_double).
func (e *HistoryEncoder) AddDouble(key string, path []string, f float64) {
	size := keySize(key, path) + protowire.SizeTag(fieldItemDouble) + 8
	b := e.appendKey(size, key, path)
	b = protowire.AppendTag(b, fieldItemDouble, protowire.Fixed64Type)
	e.body = protowire.AppendFixed64(b, math.Float64bits(f))
}

// AddFloat adds one item holding a float32 in binary (value_float).
func (e *HistoryEncoder) AddFloat(key string, path []string, f float32) {
	size := keySize(key, path) + protowire.SizeTag(fieldItemFloat) + 4
	b := e.appendKey(size, key, path)
	b = protowire.AppendTag(b, fieldItemFloat, protowire.Fixed32Type)
	e.body = protowire.AppendFixed32(b, math.Float32bits(f))
}

// AddInt adds one item holding an int64 in binary (value_int, zigzag).
func (e *HistoryEncoder) AddInt(key string, path []string, i int64) {
	z := protowire.EncodeZigZag(i)
	size := keySize(key, path) + protowire.SizeTag(fieldItemInt) + protowire.SizeVarint(z)
	b := e.appendKey(size, key, path)
	b = protowire.AppendTag(b, fieldItemInt, protowire.VarintType)
	e.body = protowire.AppendVarint(b, z)
}

func keySize(key string, path []string) int {
	if path == nil {
		return protowire.SizeTag(fieldItemKey) + protowire.SizeBytes(len(key))
	}
	size := 0
	for _, p := range path {
		size += protowire.SizeTag(fieldItemNestedKey) + protowire.SizeBytes(len(p))
	}
	return size
}

// appendKey starts an item of the given size with its key fields.
func (e *HistoryEncoder) appendKey(size int, key string, path []string) []byte {
	b := e.body
	b = protowire.AppendTag(b, fieldHistoryItem, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(size))
	if path == nil {
		b = protowire.AppendTag(b, fieldItemKey, protowire.BytesType)
		return protowire.AppendString(b, key)
	}
	for _, p := range path {
		b = protowire.AppendTag(b, fieldItemNestedKey, protowire.BytesType)
		b = protowire.AppendString(b, p)
	}
	return b
}

// Finish returns the encoded Record{num, history{items, step}}. The result is
// valid until the next Reset.
func (e *HistoryEncoder) Finish(num, step int64) []byte {
	stepSize := 0
	if step != 0 {
		stepSize = protowire.SizeTag(fieldStepNum) + protowire.SizeVarint(uint64(step))
	}
	b := protowire.AppendTag(e.body, fieldHistoryStep, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(stepSize))
	if step != 0 {
		b = protowire.AppendTag(b, fieldStepNum, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(step))
	}
	e.body = b
	o := e.out[:0]
	if num != 0 {
		o = protowire.AppendTag(o, fieldRecordNum, protowire.VarintType)
		o = protowire.AppendVarint(o, uint64(num))
	}
	o = protowire.AppendTag(o, fieldRecordHistory, protowire.BytesType)
	o = protowire.AppendBytes(o, e.body)
	e.out = o
	return o
}

// Marshal encodes any record.
func Marshal(r *recordpb.Record) ([]byte, error) {
	b, err := proto.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("record: marshal: %w", err)
	}
	return b, nil
}

// Unmarshal decodes one record.
func Unmarshal(b []byte) (*recordpb.Record, error) {
	r := &recordpb.Record{}
	if err := proto.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("record: unmarshal: %w", err)
	}
	return r, nil
}

// ItemJSON returns a history item's value as JSON, whether it was written
// as value_json (W&B's way) or in binary (gowandb's numbers).
func ItemJSON(it *recordpb.HistoryItem) string {
	switch {
	case it.ValueDouble != nil:
		return string(wjson.AppendFloat(nil, *it.ValueDouble))
	case it.ValueFloat != nil:
		return string(wjson.AppendFloat32(nil, float64(*it.ValueFloat)))
	case it.ValueInt != nil:
		return strconv.FormatInt(*it.ValueInt, 10)
	}
	return it.ValueJson
}
