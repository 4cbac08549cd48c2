// Command wasmpack rewrites a Go WebAssembly module so that it compresses
// better, without changing what it does: it merges the module's data
// segments into one.
//
//	go run ./tools/wasmpack server/assets/dist/roost.wasm
//
// Go's linker starts a new data segment at every run of 8 or more zero bytes
// (the memory starts zeroed, so the run need not be written), and a module
// the size of Roost's runtime has some 74,000 of them. Each costs a few bytes
// of header, mostly its offset in memory, which brotli compresses badly. One
// segment that holds the runs of zeros too is about 770 KB bigger raw and
// some 80 KB smaller brotli (quality 11); the memory it sets up at
// instantiation is the same, byte for byte.
//
// The file is rewritten in place. A module whose data segments are not all
// active segments of memory 0 at constant offsets (which Go's linker always
// writes), or whose code may name its segments (a data count section), is
// refused and left as it was.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: wasmpack FILE.wasm")
		os.Exit(2)
	}
	if err := packFile(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "wasmpack:", err)
		os.Exit(1)
	}
}

// packFile packs the module in file, in place.
func packFile(file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	out, err := pack(b)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if bytes.Equal(out, b) {
		return nil
	}
	return os.WriteFile(file, out, 0o644)
}

// wasmHeader is the magic number and version every module starts with.
var wasmHeader = []byte("\x00asm\x01\x00\x00\x00")

// The ids of the sections pack reads.
const (
	dataSection      = 11
	dataCountSection = 12 // present only for code that names segments (memory.init, data.drop)
)

// pack returns the module b with its data segments merged into one.
func pack(b []byte) ([]byte, error) {
	if !bytes.HasPrefix(b, wasmHeader) {
		return nil, errors.New("not a WebAssembly module")
	}
	out := slices.Clone(wasmHeader)
	r := reader{b: b, i: len(wasmHeader)}
	for r.i < len(b) {
		id := r.byte()
		size := r.u32()
		if r.err != nil {
			return nil, r.err
		}
		if size > uint32(len(b)-r.i) {
			return nil, errors.New("section runs past the end of the module")
		}
		body := b[r.i : r.i+int(size)]
		r.i += int(size)
		if id == dataCountSection {
			return nil, errors.New("the module has a data count section: its code may name data segments, which merging would renumber")
		}
		if id == dataSection {
			var err error
			if body, err = mergeSegments(body); err != nil {
				return nil, err
			}
		}
		out = append(out, id)
		out = appendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	return out, nil
}

// segment is an active data segment: bytes to copy to memory at offset.
type segment struct {
	offset int
	data   []byte
}

// mergeSegments returns a data section body holding one segment that sets
// up memory as the segments of body do, with zeros between them.
func mergeSegments(body []byte) ([]byte, error) {
	segs, err := parseSegments(body)
	if err != nil {
		return nil, err
	}
	if len(segs) <= 1 {
		return body, nil
	}
	slices.SortStableFunc(segs, func(a, b segment) int { return a.offset - b.offset })
	start := segs[0].offset
	var data []byte
	for _, s := range segs {
		at := s.offset - start
		if at < len(data) {
			return nil, fmt.Errorf("data segments overlap at offset %d", s.offset)
		}
		data = append(data, make([]byte, at-len(data))...)
		data = append(data, s.data...)
	}
	out := appendU32(nil, 1)
	out = append(out, 0x00, 0x41) // active, memory 0; i32.const
	out = appendS32(out, int32(start))
	out = append(out, 0x0b) // end
	out = appendU32(out, uint32(len(data)))
	return append(out, data...), nil
}

// parseSegments reads the segments of a data section body. Only active
// segments of memory 0 at an i32.const offset are accepted.
func parseSegments(body []byte) ([]segment, error) {
	r := reader{b: body}
	n := r.u32()
	var segs []segment
	for k := uint32(0); k < n && r.err == nil; k++ {
		if kind := r.u32(); kind != 0 {
			return nil, fmt.Errorf("data segment %d is of kind %d, not an active segment of memory 0", k, kind)
		}
		if op := r.byte(); op != 0x41 {
			return nil, fmt.Errorf("data segment %d's offset is not an i32.const", k)
		}
		offset := r.s32()
		if end := r.byte(); end != 0x0b {
			return nil, fmt.Errorf("data segment %d's offset is not a constant", k)
		}
		size := r.u32()
		if r.err == nil && (offset < 0 || size > uint32(len(body)-r.i)) {
			return nil, fmt.Errorf("data segment %d is malformed", k)
		}
		if r.err == nil {
			segs = append(segs, segment{int(offset), body[r.i : r.i+int(size)]})
			r.i += int(size)
		}
	}
	if r.err == nil && r.i != len(body) {
		r.err = errors.New("data section has bytes after its segments")
	}
	return segs, r.err
}

// reader reads a module's bytes; its first error sticks.
type reader struct {
	b   []byte
	i   int
	err error
}

// errShort is the error of a read past the end.
var errShort = errors.New("module ends early")

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.i >= len(r.b) {
		r.err = errShort
		return 0
	}
	r.i++
	return r.b[r.i-1]
}

// u32 reads an unsigned LEB128 number of at most 32 bits.
func (r *reader) u32() uint32 {
	var v uint64
	for shift := 0; shift < 35; shift += 7 {
		c := r.byte()
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			if v > 1<<32-1 && r.err == nil {
				r.err = errors.New("LEB128 number out of range")
			}
			return uint32(v)
		}
	}
	if r.err == nil {
		r.err = errors.New("LEB128 number too long")
	}
	return 0
}

// s32 reads a signed LEB128 number of at most 32 bits.
func (r *reader) s32() int32 {
	var v int64
	for shift := 0; shift < 35; shift += 7 {
		c := r.byte()
		v |= int64(c&0x7f) << shift
		if c < 0x80 {
			if c&0x40 != 0 {
				v -= 1 << (shift + 7)
			}
			if (v < -1<<31 || v > 1<<31-1) && r.err == nil {
				r.err = errors.New("LEB128 number out of range")
			}
			return int32(v)
		}
	}
	if r.err == nil {
		r.err = errors.New("LEB128 number too long")
	}
	return 0
}

// appendU32 appends v as unsigned LEB128.
func appendU32(b []byte, v uint32) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// appendS32 appends v as signed LEB128.
func appendS32(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
