package tfevents

import "hash/crc32"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// maskDelta is TFRecord's CRC mask constant.
const maskDelta = 0xa282ead8

// MaskedCRC is TFRecord's masked CRC-32C of b: the CRC rotated right by 15
// bits plus 0xa282ead8, so that a CRC of data holding CRCs stays well mixed.
func MaskedCRC(b []byte) uint32 {
	c := crc32.Checksum(b, castagnoli)
	return ((c >> 15) | (c << 17)) + maskDelta
}
