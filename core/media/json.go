package media

import (
	"strconv"

	"github.com/gowandb/wandb/core/wjson"
)

// Obj builds one JSON object with its keys in the order they are added, as
// W&B's Python dicts are written, with W&B's float rules (3.0 stays 3.0;
// NaN and ±Inf are bare tokens). The zero value is an empty object.
type Obj struct {
	b []byte
}

func (o *Obj) key(k string) {
	if len(o.b) == 0 {
		o.b = append(o.b, '{')
	} else {
		o.b = append(o.b, ',')
	}
	o.b = wjson.AppendString(o.b, k)
	o.b = append(o.b, ':')
}

// Str adds a string. s must be valid UTF-8.
func (o *Obj) Str(k, s string) *Obj {
	o.key(k)
	o.b = wjson.AppendString(o.b, s)
	return o
}

// Int adds an integer.
func (o *Obj) Int(k string, v int64) *Obj {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
	return o
}

// Float adds a float.
func (o *Obj) Float(k string, v float64) *Obj {
	o.key(k)
	o.b = wjson.AppendFloat(o.b, v)
	return o
}

// Bool adds a boolean.
func (o *Obj) Bool(k string, v bool) *Obj {
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
	return o
}

// Null adds null.
func (o *Obj) Null(k string) *Obj {
	o.key(k)
	o.b = append(o.b, "null"...)
	return o
}

// Raw adds an already encoded JSON value.
func (o *Obj) Raw(k string, json []byte) *Obj {
	o.key(k)
	o.b = append(o.b, json...)
	return o
}

// Bytes returns the encoded object.
func (o *Obj) Bytes() []byte {
	if len(o.b) == 0 {
		return []byte("{}")
	}
	return append(o.b, '}')
}

// FileJSON starts the JSON of a stored media file: _type, path, sha256 and
// size (wandb-behaviour.md §4.1).
func FileJSON(typ string, f File) *Obj {
	o := &Obj{}
	return o.Str("_type", typ).Str("path", f.Path).Str("sha256", f.SHA256).Int("size", f.Size)
}

// List encodes already encoded JSON values as a JSON array.
func List(items [][]byte) []byte {
	n := 2
	for _, it := range items {
		n += len(it) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	return append(b, ']')
}

// StrList encodes strings as a JSON array.
func StrList(items []string) []byte {
	b := []byte{'['}
	for i, s := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = wjson.AppendString(b, s)
	}
	return append(b, ']')
}

// StrOrNullList encodes strings as a JSON array, with null for empty ones.
func StrOrNullList(items []string) []byte {
	b := []byte{'['}
	for i, s := range items {
		if i > 0 {
			b = append(b, ',')
		}
		if s == "" {
			b = append(b, "null"...)
		} else {
			b = wjson.AppendString(b, s)
		}
	}
	return append(b, ']')
}
