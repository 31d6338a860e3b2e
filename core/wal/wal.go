// Package wal is the run log: a write-ahead log of records on disk.
//
// The format is W&B's `.wandb` transaction log (see wandb-behaviour.md §8), so
// run logs written by W&B's clients can be read here and ours by theirs:
//
//   - a 7-byte header: ":W&B", the magic 0xBEE1 (little-endian) and version 0;
//   - then LevelDB's log format: the file is cut into 32 KiB blocks (the
//     header takes the first 7 bytes of block 0), each holding chunks of a
//     7-byte chunk header (CRC-32 little-endian, length little-endian uint16,
//     type FULL=1, FIRST=2, MIDDLE=3, LAST=4) and the payload. A record too
//     large for the rest of a block is split into FIRST, MIDDLE…, LAST chunks.
//     Fewer than 7 bytes left at the end of a block are zero-filled.
//   - The checksum is plain CRC-32 (IEEE) over the type byte and the payload.
//     The reader also accepts LevelDB's masked CRC-32C, as W&B's reader does.
//
// A Writer only frames records into memory; the caller decides when the bytes
// reach the OS (Flush) and the disk (the file's Sync). A Reader returns every
// intact record of a torn or damaged file and reports where the damage is.
package wal

import (
	"errors"
	"hash/crc32"
)

const (
	// BlockSize is the size of one log block.
	BlockSize = 32 * 1024
	// HeaderSize is the size of the file header and of each chunk header.
	HeaderSize = 7
	// Version is the file format version written in the header.
	Version = 0
)

// Chunk types.
const (
	chunkZero   = 0
	chunkFull   = 1
	chunkFirst  = 2
	chunkMiddle = 3
	chunkLast   = 4
)

var (
	// ErrBadHeader is returned when a file does not start with a run log header.
	ErrBadHeader = errors.New("wal: not a run log (bad header)")
	// ErrUnsupportedVersion is returned for a header with an unknown version.
	ErrUnsupportedVersion = errors.New("wal: unsupported run log version")
)

var (
	ieeeTable       = crc32.IEEETable
	castagnoliTable = crc32.MakeTable(crc32.Castagnoli)
	// typeCRC[t] is the CRC-32 (IEEE) of the single byte t, the starting
	// value of every chunk checksum.
	typeCRC [5]uint32
)

func init() {
	for t := range typeCRC {
		typeCRC[t] = crc32.Update(0, ieeeTable, []byte{byte(t)})
	}
}

// header returns the 7-byte file header.
func header() [HeaderSize]byte {
	return [HeaderSize]byte{':', 'W', '&', 'B', 0xE1, 0xBE, Version}
}

// maskedCastagnoli is LevelDB's checksum, accepted on read.
func maskedCastagnoli(t byte, payload []byte) uint32 {
	c := crc32.Update(0, castagnoliTable, []byte{t})
	c = crc32.Update(c, castagnoliTable, payload)
	return ((c >> 15) | (c << 17)) + 0xa282ead8
}
