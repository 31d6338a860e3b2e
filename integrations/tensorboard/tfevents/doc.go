// Package tfevents reads and writes TensorBoard event files
// (events.out.tfevents.<unix seconds>.<host>…), the TFRecord files that
// TensorFlow, PyTorch's SummaryWriter and tensorboardX write.
//
// # Format
//
// A file is a sequence of records, each framed as TFRecord does it:
//
//	u64le length | u32le maskedCRC32C(length bytes) | data | u32le maskedCRC32C(data)
//
// where maskedCRC32C(b) = ((c>>15)|(c<<17)) + 0xa282ead8 with c the CRC-32C
// (Castagnoli) of b. Each record holds one tensorflow.Event protobuf; the
// first one of a file carries file_version "brain.Event:2". Messages are
// decoded and encoded with google.golang.org/protobuf/encoding/protowire
// and the upstream field numbers (event.proto, summary.proto, tensor.proto,
// histogram.proto); no generated code is involved and the protobuf types
// stop at this package: callers see Event and Value.
//
// # Values
//
// A Value is classified into a Kind from TensorBoard's plugin name (the
// summary metadata, written only on a tag's first value in a file and
// remembered per tag by the Reader) or, for TF1 summaries, from which field
// is set:
//
//   - KindScalar: simple_value (TF1) or a one-element tensor of the
//     "scalars" plugin (TF2);
//   - KindHistogram: a HistogramProto (TF1; its first bucket is open on the
//     left, so Edges[0] is -Inf) or a [k,3] tensor of (left, right, count)
//     rows of the "histograms" plugin;
//   - KindImage: a Summary.Image (TF1) or a string tensor
//     [width, height, encoded image…] of the "images" plugin;
//   - KindText: a string tensor of the "text" plugin;
//   - KindPRCurve: a [6,n] tensor of the "pr_curves" plugin (true and
//     false positives, true and false negatives, precision, recall);
//   - KindTensor: any other tensor, or a plugin tensor whose layout is not
//     the plugin's (the tensor is kept in Value.Tensor);
//   - KindOther: legacy audio and old-style histograms, not decoded.
//
// # Damage
//
// Like core/wal's reader, Reader returns every intact event of a truncated
// or corrupt file and reports each unreadable stretch with its offset
// (Damage): after a bad length or checksum it scans forward byte by byte for
// the next record whose two checksums hold. In tail mode (Tail) a partial
// record at the end of the file is not damage: Next returns io.EOF and
// picks the record up when the rest of it has been written, which is how a
// live log directory is followed.
//
// Writer writes such files (WriteScalar, WriteHistogram, WriteImage,
// WriteText, WritePRCurve, WriteTensor, WriteEvent), in TF2 style (tensor
// summaries with plugin metadata) or, with Legacy, TF1 style (simple_value,
// HistogramProto, Summary.Image), so that Go programs can write TensorBoard
// logs and tests can make any case.
package tfevents
