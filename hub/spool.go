package hub

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/cocreate/cocreate/notes"
)

// The spool is the write-ahead file of updates the store refused when the
// instance shut down: one file per instance and shutdown, named
// spool-{instance}.wal in the spool directory, each record fsynced before
// it counts as saved. ReplaySpool writes them to the store on the next
// start, before the server serves.
//
// File layout: the magic "COCSPOOL1\n", then records of
//
//	uvarint len(doc) | doc | uvarint n | n × (uvarint len(update) | update) | crc32 (IEEE, little endian) of the bytes before it
//
// A record cut short (a crash while writing it) was never reported
// saved; replay keeps what comes before it.
const spoolMagic = "COCSPOOL1\n"

// maxSpoolRecord bounds one record read back (a corrupt length must not
// allocate gigabytes).
const maxSpoolRecord = 1 << 30

// spoolWriter appends records to this instance's spool file, opened on
// first use. Rooms spool concurrently at shutdown, hence the mutex.
type spoolWriter struct {
	dir  string
	name string // file name within dir

	mu sync.Mutex
	f  *os.File
}

// write appends one record of doc's updates and fsyncs it.
func (w *spoolWriter) write(doc string, updates [][]byte) error {
	if w.dir == "" {
		return errors.New("no spool directory configured")
	}
	var rec []byte
	rec = binary.AppendUvarint(rec, uint64(len(doc)))
	rec = append(rec, doc...)
	rec = binary.AppendUvarint(rec, uint64(len(updates)))
	for _, u := range updates {
		rec = binary.AppendUvarint(rec, uint64(len(u)))
		rec = append(rec, u...)
	}
	rec = binary.LittleEndian.AppendUint32(rec, crc32.ChecksumIEEE(rec))

	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		if err := w.open(); err != nil {
			return err
		}
	}
	if _, err := w.f.Write(rec); err != nil {
		return fmt.Errorf("spool %s: %w", w.f.Name(), err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("spool %s: %w", w.f.Name(), err)
	}
	return nil
}

func (w *spoolWriter) open() error {
	if err := os.MkdirAll(w.dir, 0o750); err != nil {
		return fmt.Errorf("spool directory: %w", err)
	}
	path := filepath.Join(w.dir, w.name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if st, err := f.Stat(); err == nil && st.Size() == 0 {
		if _, err := f.WriteString(spoolMagic); err != nil {
			f.Close()
			return fmt.Errorf("spool %s: %w", path, err)
		}
	}
	// The file's directory entry must survive a crash too.
	if d, err := os.Open(w.dir); err == nil {
		d.Sync()
		d.Close()
	}
	w.f = f
	return nil
}

func (w *spoolWriter) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}

// ReplaySpool appends every update spooled in dir to store and removes
// each file once all of it is stored; a file with a damaged record is
// renamed *.damaged after what precedes the damage is stored. It returns
// the number of documents written. A directory that does not exist holds
// nothing. Call it before serving: a store that refuses the spool is an
// error, and the files stay for the next try.
func ReplaySpool(ctx context.Context, store notes.Store, dir string, log *slog.Logger) (int, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	files, err := filepath.Glob(filepath.Join(dir, "spool-*.wal"))
	if err != nil {
		return 0, fmt.Errorf("spool %s: %w", dir, err)
	}
	slices.Sort(files)
	written := 0
	for _, path := range files {
		byDoc, order, readErr := readSpool(path)
		if readErr != nil && errors.Is(readErr, os.ErrNotExist) {
			continue // another instance sharing the directory took it
		}
		for _, doc := range order {
			if err := store.Append(ctx, doc, byDoc[doc]...); err != nil {
				return written, fmt.Errorf("replay spool %s: %w", path, err)
			}
			written++
			log.Info("spooled updates written to the store", "doc", doc, "updates", len(byDoc[doc]), "spool", path)
		}
		if readErr != nil {
			log.Error("spool file is damaged; kept what preceded the damage", "spool", path, "err", readErr)
			if err := os.Rename(path, path+".damaged"); err != nil && !errors.Is(err, os.ErrNotExist) {
				return written, fmt.Errorf("replay spool: %w", err)
			}
			continue
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return written, fmt.Errorf("replay spool: %w", err)
		}
	}
	return written, nil
}

// readSpool reads a spool file's records, grouped by document in first
// appearance order. A damaged or cut record ends the reading with an
// error; what came before it is returned.
func readSpool(path string) (map[string][][]byte, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	byDoc := map[string][][]byte{}
	var order []string
	if !bytes.HasPrefix(data, []byte(spoolMagic)) {
		return byDoc, order, fmt.Errorf("%s: not a spool file", path)
	}
	r := bufio.NewReader(bytes.NewReader(data[len(spoolMagic):]))
	for {
		doc, updates, err := readSpoolRecord(r)
		if errors.Is(err, io.EOF) {
			return byDoc, order, nil
		}
		if err != nil {
			return byDoc, order, fmt.Errorf("%s: %w", path, err)
		}
		if _, seen := byDoc[doc]; !seen {
			order = append(order, doc)
		}
		byDoc[doc] = append(byDoc[doc], updates...)
	}
}

// crcReader keeps the bytes read, for the checksum.
type crcReader struct {
	r   *bufio.Reader
	buf []byte
}

func (c *crcReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.buf = append(c.buf, b)
	}
	return b, err
}

// uvarint reads a varint within the record: the record ending is
// io.ErrUnexpectedEOF.
func (c *crcReader) uvarint() (uint64, error) {
	n, err := binary.ReadUvarint(c)
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// chunk reads a length-prefixed byte string.
func (c *crcReader) chunk() ([]byte, error) {
	n, err := c.uvarint()
	if err != nil {
		return nil, err
	}
	return c.bytes(n)
}

func (c *crcReader) bytes(n uint64) ([]byte, error) {
	if n > maxSpoolRecord {
		return nil, fmt.Errorf("record length %d is implausible", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(c.r, b); err != nil {
		return nil, io.ErrUnexpectedEOF
	}
	c.buf = append(c.buf, b...)
	return b, nil
}

func readSpoolRecord(r *bufio.Reader) (string, [][]byte, error) {
	if _, err := r.Peek(1); err != nil {
		return "", nil, io.EOF
	}
	cr := &crcReader{r: r}
	doc, err := cr.chunk()
	if err != nil {
		return "", nil, err
	}
	count, err := cr.uvarint()
	if err != nil {
		return "", nil, err
	}
	if count > maxSpoolRecord {
		return "", nil, fmt.Errorf("update count %d is implausible", count)
	}
	var updates [][]byte
	for range count {
		u, err := cr.chunk()
		if err != nil {
			return "", nil, err
		}
		updates = append(updates, u)
	}
	var sum [4]byte
	if _, err := io.ReadFull(r, sum[:]); err != nil {
		return "", nil, io.ErrUnexpectedEOF
	}
	if binary.LittleEndian.Uint32(sum[:]) != crc32.ChecksumIEEE(cr.buf) {
		return "", nil, errors.New("record checksum mismatch")
	}
	return string(doc), updates, nil
}

// spoolName is the file this instance spools to.
func spoolName(instance string) string {
	return "spool-" + strings.ReplaceAll(instance, "/", "_") + ".wal"
}
