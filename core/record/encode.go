// Package record encodes and decodes run records: the W&B record schema in
// recordpb, a fast hand-written encoder for the records written on every
// log call, and helpers that turn any record into bytes for the run log.
package record

import (
	"fmt"

	"github.com/gowandb/wandb/core/record/recordpb"
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
)

// HistoryEncoder builds the bytes of a history Record without reflection or
// allocation in steady state. It is not safe for concurrent use.
type HistoryEncoder struct {
	body []byte
	out  []byte
}

// Reset starts a new history record.
func (e *HistoryEncoder) Reset() { e.body = e.body[:0] }

// AddItem adds one item. path is nil for a top-level key; otherwise it is
// the full nested path and key is ignored. valueJSON is copied.
func (e *HistoryEncoder) AddItem(key string, path []string, valueJSON []byte) {
	size := 0
	if path == nil {
		size += protowire.SizeTag(fieldItemKey) + protowire.SizeBytes(len(key))
	} else {
		for _, p := range path {
			size += protowire.SizeTag(fieldItemNestedKey) + protowire.SizeBytes(len(p))
		}
	}
	size += protowire.SizeTag(fieldItemValueJSON) + protowire.SizeBytes(len(valueJSON))
	b := e.body
	b = protowire.AppendTag(b, fieldHistoryItem, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(size))
	if path == nil {
		b = protowire.AppendTag(b, fieldItemKey, protowire.BytesType)
		b = protowire.AppendString(b, key)
	} else {
		for _, p := range path {
			b = protowire.AppendTag(b, fieldItemNestedKey, protowire.BytesType)
			b = protowire.AppendString(b, p)
		}
	}
	b = protowire.AppendTag(b, fieldItemValueJSON, protowire.BytesType)
	b = protowire.AppendBytes(b, valueJSON)
	e.body = b
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
