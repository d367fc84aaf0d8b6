package modelfile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/hugepage"
	"go.yaml.in/yaml/v3"
)

// A model file read from disk is streamed: its lists (assets, links, ...)
// are decoded an item, or a piece of some hundred KiB, at a time, so that
// what a large hospital group costs in memory is its model, not the file's
// bytes or a node tree of the whole document. Repeated strings (kinds,
// zones, vendors, versions, protocols, control names, the asset ids links
// name) are interned while decoding, so a model of a million assets keeps
// one copy of each.
//
// Like the fast paths, streaming gives up on anything unusual (a syntax
// error, an unknown or repeated field, an anchor used in another piece, a
// model that does not validate); the file is then read again, whole, by the
// general path, which explains every problem with file:line:column exactly
// as before. A valid file never pays for that; an invalid one pays what
// every file paid before streaming.

// errOverBudget is returned by a budgetReader once more than its budget
// has been read.
var errOverBudget = errors.New("over the size budget")

// budgetReader counts the bytes read and refuses to read past max, so that
// the size budget holds for what is streamed as for what is read whole.
type budgetReader struct {
	r      io.Reader
	n, max int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.n > b.max {
		return 0, errOverBudget
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > b.max {
		return n, errOverBudget
	}
	return n, err
}

func tooBigError(name string, max int64) Errors {
	return Errors{{File: name, Message: fmt.Sprintf("file is larger than the %s limit", sizeString(max)), Hint: "split the file, or raise the limit with --max-size"}}
}

// explainWhole is the largest file read again whole, with its node tree, to
// explain its problems: reading YAML that way costs some 40 KiB an asset.
var explainWhole int64 = 512 << 20

// readFile reads a model from a regular file, streaming, and falls back
// on the general path (the file read again from its start) when streaming
// gives up.
func readFile(ctx context.Context, name string, f *os.File, size int64, lim Limits) (*ward.Model, error) {
	start, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if size-start > lim.MaxBytes {
		return nil, tooBigError(name, lim.MaxBytes)
	}
	// The lists are counted by a pass of their own, beside the decoding
	// one, on the same file read at its own offsets.
	cctx, stop := context.WithCancel(ctx)
	counts := countJSONFile(cctx, name, io.NewSectionReader(f, start, size-start), lim)
	m, ok, found, err := stream(ctx, name, f, lim, counts)
	stop()
	counts.wait()
	if err != nil || ok {
		return m, err
	}
	if len(found) > 0 && size-start > explainWhole {
		// Too large to read again whole: the problems streaming found
		// are reported as they are, those of decoding with their
		// positions, those of validation with their fields.
		return nil, dedupe(found)
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return nil, fmt.Errorf("read %s again: %w", name, err)
	}
	data, err := ReadLimited(name, f, lim.MaxBytes)
	if err != nil {
		return nil, err
	}
	return ParseContext(ctx, name, data, lim)
}

// stream decodes and validates a model from r. ok is false when the
// general path must read the file instead; err is set only for what that
// would not change: the budget exceeded, an I/O error, ctx ended.
func stream(ctx context.Context, name string, r io.Reader, lim Limits, counts *listCounts) (m *ward.Model, ok bool, found Errors, err error) {
	br := bufio.NewReaderSize(&budgetReader{r: r, max: lim.MaxBytes}, 1<<20)
	head, err := br.Peek(4096)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, false, nil, readError(name, err, lim)
	}
	if len(bytes.TrimLeft(head, " \t\r\n")) == 0 {
		return nil, false, nil, nil // empty, or a file the general path explains
	}
	m = &ward.Model{}
	if DetectFormat(name, head) == JSON {
		ok, err = streamJSON(ctx, br, m, counts)
	} else {
		ok, found, err = streamYAML(ctx, name, br, m, lim)
	}
	if err != nil {
		return nil, false, nil, readError(name, err, lim)
	}
	if !ok {
		return nil, false, found, nil
	}
	if err := m.Validate(); err != nil {
		var ve *ward.ValidationError
		if !errors.As(err, &ve) {
			return nil, false, nil, err
		}
		for _, fe := range ve.Errors {
			found = append(found, Error{File: name, Field: fe.Path, Message: fe.Message, Hint: fe.Hint})
		}
		return nil, false, found, nil
	}
	return m, true, nil, nil
}

func readError(name string, err error, lim Limits) error {
	switch {
	case errors.Is(err, errOverBudget):
		return tooBigError(name, lim.MaxBytes)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return stopped(name, err)
	}
	return fmt.Errorf("read %s: %w", name, err)
}

// ioError keeps what the reader said (the budget, the disk, ctx) apart
// from what the decoder said of the content, which only sends the file to
// the general path.
type ioError struct{ err error }

func (e ioError) Error() string { return e.err.Error() }
func (e ioError) Unwrap() error { return e.err }

// checkedReader marks the errors of the reader under a decoder, so that
// they are told from syntax errors, and stops when ctx ends.
type checkedReader struct {
	ctx context.Context
	r   io.Reader
}

func (c checkedReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, ioError{err}
	}
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		err = ioError{err}
	}
	return n, err
}

// sourceError picks out of a decoding error what the reader said, if
// anything: only that ends the reading; the rest sends the file to the
// general path.
func sourceError(err error) error {
	var ie ioError
	if errors.As(err, &ie) {
		return ie.err
	}
	return nil
}

// list collects one of the model's lists item by item, in chunks, and
// joins them once at the end into a slice of exactly the right length:
// growing one slice by appending would hold up to three times its size.
type list interface {
	// json takes one item's raw JSON (copied: raw may change after) to be
	// decoded by one of p's workers, into the item's place in the list.
	json(p *decodePool, raw []byte)
	// decoded waits until every item json took is decoded, and tells
	// whether all of them were ones the fast decoding takes.
	decoded() bool
	// yaml decodes one item from its node, reporting problems to d.
	yaml(d *decoder, n *yaml.Node, path string)
	// len is how many items came so far.
	len() int
	// expect says how many items will come, when a first pass counted
	// them: the list is then allocated once, at its size.
	expect(n int)
	// done stores the list in the model.
	done()
}

const chunkItems = 1 << 13

type listOf[T any] struct {
	dst    *[]T
	in     *interner
	intern func(*interner, *T)
	full   [][]T
	cur    []T
	n      int
	hint   int // items expected, if counted
	// fast decodes an item of the commonest form in one pass, or
	// reports false and leaves it to the general way.
	fast func(raw []byte, v *T, in *interner) bool

	// JSON items on their way to the decoding workers.
	batch   *jsonBatch[T]      // being filled
	free    chan *jsonBatch[T] // decoded, for reuse
	pending sync.WaitGroup     // batches sent, not yet decoded
	failed  atomic.Bool        // an item streaming does not take
}

func (l *listOf[T]) expect(n int) { l.hint = n }

func (l *listOf[T]) add() *T {
	if len(l.cur) == cap(l.cur) {
		if l.cur != nil {
			l.full = append(l.full, l.cur)
		}
		size := chunkItems
		if l.cur == nil && l.n == 0 && l.hint > 0 {
			size = l.hint
		}
		l.cur = make([]T, 0, size)
		hugepage.Slice(l.cur)
	}
	l.cur = l.cur[:len(l.cur)+1]
	l.n++
	return &l.cur[len(l.cur)-1]
}

func (l *listOf[T]) json(p *decodePool, raw []byte) {
	b := l.batch
	if b == nil {
		select {
		case b = <-l.free:
			b.data, b.ends, b.slots = b.data[:0], b.ends[:0], b.slots[:0]
		default:
			b = &jsonBatch[T]{l: l}
		}
		l.batch = b
	}
	b.data = append(b.data, raw...)
	b.ends = append(b.ends, len(b.data))
	b.slots = append(b.slots, l.add())
	if len(b.ends) == batchItems || len(b.data) >= batchBytes {
		l.send(p)
	}
}

// send hands the batch being filled to the workers.
func (l *listOf[T]) send(p *decodePool) {
	l.pending.Add(1)
	p.jobs <- l.batch
	l.batch = nil
}

// decoded is the list's items decoded; the last batch is decoded here, on
// the caller's goroutine, rather than waited for.
func (l *listOf[T]) decoded() bool {
	if b := l.batch; b != nil {
		l.batch = nil
		l.pending.Add(1)
		b.run(&decodeWorker{})
	}
	l.pending.Wait()
	l.free = nil
	return !l.failed.Load()
}

// item decodes one item from its raw JSON into v, with a worker's
// scratch space; false if it is not one the fast decoding takes (v may
// then be partly written: the model is not used).
func (l *listOf[T]) item(raw []byte, v *T, w *decodeWorker) bool {
	if l.fast != nil && l.fast(raw, v, l.in) {
		return true
	}
	var ok bool
	if w.stack, ok = scanKeys(raw, reflect.TypeFor[T](), nil, w.stack); !ok {
		return false
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false
	}
	if l.intern != nil {
		l.intern(l.in, v)
	}
	return true
}

// A JSON list's items are decoded in batches of about this many items
// or bytes, each by one worker; tests make them small to send small
// files' items through the workers too.
var (
	batchItems = 4096
	batchBytes = 256 << 10
)

// jsonBatch is items of one list, their bytes one after another, and
// where each goes in the list.
type jsonBatch[T any] struct {
	l     *listOf[T]
	data  []byte
	ends  []int // of each item in data
	slots []*T
}

func (b *jsonBatch[T]) run(w *decodeWorker) {
	l := b.l
	defer l.pending.Done()
	start := 0
	for k, end := range b.ends {
		if l.failed.Load() {
			break
		}
		if !l.item(b.data[start:end], b.slots[k], w) {
			l.failed.Store(true)
		}
		start = end
	}
	clear(b.slots)
	select {
	case l.free <- b:
	default:
	}
}

// decodeJob is a batch of some list, for a worker.
type decodeJob interface{ run(w *decodeWorker) }

// decodeWorker is what one worker keeps from item to item: scanKeys'
// room.
type decodeWorker struct {
	stack []keyFrame
}

// decodePool is the workers that decode a streamed JSON file's items
// while the scanner finds where the next ones end: on two cores,
// validating 300,000 assets and 3,000,000 links took 16 s rather than 23
// when the scanner decoded every item itself.
type decodePool struct {
	jobs chan decodeJob
	done sync.WaitGroup
}

func newDecodePool(workers int) *decodePool {
	p := &decodePool{jobs: make(chan decodeJob, 2*workers)}
	for range workers {
		p.done.Go(func() {
			w := &decodeWorker{}
			for j := range p.jobs {
				j.run(w)
			}
		})
	}
	return p
}

// close ends the workers once the jobs sent are done.
func (p *decodePool) close() {
	close(p.jobs)
	p.done.Wait()
}

func (l *listOf[T]) yaml(d *decoder, n *yaml.Node, path string) {
	v := l.add()
	d.value(n, reflect.ValueOf(v).Elem(), path, 2)
	if l.intern != nil {
		l.intern(l.in, v)
	}
}

func (l *listOf[T]) len() int { return l.n }

func (l *listOf[T]) done() {
	if len(l.full) == 0 && l.hint > 0 && l.n == l.hint {
		*l.dst, l.cur = l.cur, nil // allocated at its size: nothing to join
		return
	}
	out := make([]T, 0, l.n)
	for i, c := range l.full {
		out = append(out, c...)
		l.full[i] = nil
	}
	*l.dst = append(out, l.cur...)
	l.full, l.cur = nil, nil
}

// lists are the model's lists that are streamed, by their field name.
func lists(m *ward.Model, in *interner) map[string]list {
	return map[string]list{
		"zones":      newList(&m.Zones, in),
		"assets":     &listOf[ward.Asset]{dst: &m.Assets, in: in, intern: (*interner).asset, free: freeBatches[ward.Asset]()},
		"links":      &listOf[ward.Link]{dst: &m.Links, in: in, intern: (*interner).link, fast: decodeLink, free: freeBatches[ward.Link]()},
		"services":   newList(&m.Services, in),
		"rules":      newList(&m.Rules, in),
		"redundancy": newList(&m.Redundancy, in),
		"controls":   newList(&m.Controls, in),
		"decisions":  newList(&m.Decisions, in),
	}
}

func newList[T any](dst *[]T, in *interner) *listOf[T] {
	return &listOf[T]{dst: dst, in: in, free: freeBatches[T]()}
}

// freeBatches holds a list's decoded batches for reuse: as many as can be
// on their way at once, so that reading allocates a few of them.
func freeBatches[T any]() chan *jsonBatch[T] {
	return make(chan *jsonBatch[T], 3*runtime.GOMAXPROCS(0)+2)
}

// internAs interns a string of a named type (a kind, a protocol, a level).
func internAs[S ~string](in *interner, p *S) {
	s := string(*p)
	in.str(&s)
	*p = S(s)
}

func internAll[S ~string](in *interner, ss []S) {
	for i := range ss {
		internAs(in, &ss[i])
	}
}

// asset interns what assets of a hospital repeat: their kind, zone,
// vendor, product, version, controls, ... and the id itself, which the
// links naming the asset then share.
func (in *interner) asset(a *ward.Asset) {
	in.str(&a.ID)
	internAs(in, &a.Kind)
	in.str(&a.Zone)
	in.str(&a.Vendor)
	in.str(&a.Product)
	in.str(&a.Version)
	in.str(&a.Model)
	in.str(&a.CPE)
	in.str(&a.PURL)
	in.str(&a.Owner)
	in.str(&a.Site)
	internAs(in, &a.Provenance)
	internAs(in, &a.Criticality.Safety)
	internAs(in, &a.Criticality.Availability)
	internAs(in, &a.Criticality.Confidentiality)
	internAs(in, &a.Criticality.Integrity)
	internAs(in, &a.EndOfSupport)
	internAll(in, a.Data)
	internAll(in, a.Controls)
	internAll(in, a.Tags)
	internAll(in, a.DependsOn)
	for i := range a.Components {
		c := &a.Components[i]
		in.str(&c.Name)
		in.str(&c.Version)
		in.str(&c.PURL)
		in.str(&c.CPE)
	}
	for i := range a.Ports {
		p := &a.Ports[i]
		internAs(in, &p.Transport)
		internAs(in, &p.Protocol)
		in.str(&p.Product)
		in.str(&p.Version)
	}
	for i := range a.Sources {
		in.source(&a.Sources[i])
	}
}

func (in *interner) link(l *ward.Link) {
	in.str(&l.From)
	in.str(&l.To)
	internAs(in, &l.Protocol)
	internAs(in, &l.Direction)
	internAll(in, l.Data)
	l.Data = in.data(l.Data)
	// A link just read has notes of its own, when it has any.
	if n := l.LinkNotes; n != nil {
		internAs(in, &n.Provenance)
		for i := range n.Sources {
			in.source(&n.Sources[i])
		}
	}
}

func (in *interner) source(s *ward.Source) {
	in.str(&s.Attribute)
	internAs(in, &s.Origin)
	internAs(in, &s.Seen)
	in.str(&s.Reason)
	in.str(&s.File)
}

// streamJSON decodes a JSON model one top-level field, and one list item,
// at a time. Each item's keys are checked as strictly as the fast path
// checks a whole file, then encoding/json decodes the item (and so checks
// its syntax); what stands between items is checked here.
func streamJSON(ctx context.Context, r io.Reader, m *ward.Model, counts *listCounts) (ok bool, err error) {
	s := &jsonScanner{r: checkedReader{ctx, r}, buf: make([]byte, 1<<20), pool: newDecodePool(runtime.GOMAXPROCS(0))}
	defer s.pool.close()
	ok = s.model(m, counts)
	if s.err != nil && s.err != io.EOF {
		return false, sourceError(s.err)
	}
	return ok, nil
}

func (s *jsonScanner) model(m *ward.Model, counts *listCounts) bool {
	ls := lists(m, newInterner())
	mv := reflect.ValueOf(m).Elem()
	info := structFields(mv.Type())
	seen := map[string]bool{}
	ok := s.object(func(key string) bool {
		idx, known := info.index[key]
		if !known || seen[key] {
			return false
		}
		seen[key] = true
		if l, isList := ls[key]; isList {
			l.expect(counts.of(key))
			return s.list(l)
		}
		raw, ok := s.value()
		f := info.field(mv, idx)
		if !ok {
			return false
		}
		if _, ok := strictKeysOf(raw, f.Type()); !ok {
			return false
		}
		return json.Unmarshal(raw, f.Addr().Interface()) == nil
	})
	_, more := s.next()
	return ok && !more // nothing but white space after the model
}

// object reads an object, handing each key to each, which reads its value.
func (s *jsonScanner) object(each func(key string) bool) bool {
	if !s.expect('{') {
		return false
	}
	for first := true; ; first = false {
		c, ok := s.next()
		if !ok {
			return false
		}
		if c == '}' {
			s.pos++
			return true
		}
		if !first && !s.expect(',') {
			return false
		}
		key, ok := s.key()
		if !ok || !s.expect(':') || !each(key) {
			return false
		}
	}
}

// array reads a list, calling each to read every item.
func (s *jsonScanner) array(each func() bool) bool {
	if !s.expect('[') {
		return false
	}
	for first := true; ; first = false {
		c, ok := s.next()
		if !ok {
			return false
		}
		if c == ']' {
			s.pos++
			return true
		}
		if !first && !s.expect(',') {
			return false
		}
		if !each() {
			return false
		}
	}
}

// list reads a list (or null) item by item into l.
func (s *jsonScanner) list(l list) bool {
	c, ok := s.next()
	if ok && c == 'n' {
		raw, ok := s.value()
		return ok && string(raw) == "null"
	}
	ok = s.array(func() bool {
		raw, ok := s.value()
		if ok {
			l.json(s.pool, raw)
		}
		return ok
	})
	if l.decoded() && ok {
		l.done()
		return true
	}
	return false
}

// jsonScanner hands out the bytes of a JSON document's values as it reads
// them, finding where each ends by its brackets and quotes alone: the
// value's syntax is encoding/json's to check when it decodes it. A value
// stays valid until the next call.
type jsonScanner struct {
	r        io.Reader
	buf      []byte
	pos, end int   // the next byte to look at; the end of what was read
	err      error // what r said last, io.EOF at the end
	pool     *decodePool
}

// more reads more of the document, keeping buf[from:end]; shift is how far
// what was kept moved towards the start. ok is false at the end.
func (s *jsonScanner) more(from int) (shift int, ok bool) {
	if s.err != nil {
		return 0, false
	}
	s.end = copy(s.buf, s.buf[from:s.end])
	s.pos -= from
	if s.end == len(s.buf) { // a value longer than the buffer
		s.buf = append(s.buf, make([]byte, len(s.buf))...)
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.err = err
			return from, n > 0
		}
		if n > 0 {
			return from, true
		}
	}
}

// next skips white space and tells the byte that follows, without taking it.
func (s *jsonScanner) next() (byte, bool) {
	for {
		for ; s.pos < s.end; s.pos++ {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\r', '\n':
			default:
				return c, true
			}
		}
		if _, ok := s.more(s.pos); !ok {
			return 0, false
		}
	}
}

// expect takes the byte c, after white space; false if another comes.
func (s *jsonScanner) expect(c byte) bool {
	if got, ok := s.next(); !ok || got != c {
		return false
	}
	s.pos++
	return true
}

// key reads an object key.
func (s *jsonScanner) key() (string, bool) {
	raw, ok := s.value()
	if !ok || len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), true
	}
	var k string
	if err := json.Unmarshal(raw, &k); err != nil {
		return "", false
	}
	return k, true
}

// value takes the next value, after white space: an object or a list to
// its closing bracket, a string to its closing quote, anything else to the
// next delimiter.
func (s *jsonScanner) value() ([]byte, bool) {
	if _, ok := s.next(); !ok {
		return nil, false
	}
	start, i := s.pos, s.pos
	depth, inString := 0, false
	for {
		for ; i < s.end; i++ {
			if inString {
				// Strings are most of a model's bytes: their end is
				// searched for, not stepped to.
				rest := s.buf[i:s.end]
				q := bytes.IndexByte(rest, '"')
				if q < 0 {
					q = len(rest)
				}
				if b := bytes.IndexByte(rest[:q], '\\'); b >= 0 {
					i += b + 1 // on the escaped byte, which the loop steps over
					continue
				}
				if q == len(rest) {
					i = s.end - 1 // the string goes on past what was read
					continue
				}
				i += q
				inString = false
				if depth == 0 {
					return s.take(start, i+1)
				}
				continue
			}
			c := s.buf[i]
			switch c {
			case '"':
				inString = true
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth < 0 {
					return s.take(start, i) // the end of the enclosing value: no value here
				}
				if depth == 0 {
					return s.take(start, i+1)
				}
			case ',', ':', ' ', '\t', '\r', '\n':
				if depth == 0 {
					return s.take(start, i)
				}
			}
		}
		shift, ok := s.more(start)
		i -= shift
		start -= shift
		if !ok {
			if depth == 0 && !inString {
				return s.take(start, min(i, s.end)) // a number or word at the very end
			}
			return nil, false
		}
	}
}

func (s *jsonScanner) take(start, end int) ([]byte, bool) {
	s.pos = end
	return s.buf[start:end], end > start
}

// streamChunk is the size a long top-level YAML list is cut into; tests
// make it small to cut small files too.
var streamChunk = yamlChunk

// yamlPiece is one piece of a YAML file: a top-level section's start
// ("assets:" and its first items), or further items of its list.
type yamlPiece struct {
	data []byte
	line int  // of the piece's first line in the file
	head bool // starts a section
	node *yaml.Node
	err  error
	done chan struct{}
}

// streamYAML cuts a block-style YAML file into pieces as it reads it,
// parses them side by side and decodes them in order, each into the
// model's fields, so that the node tree of no more than a few pieces is
// held at a time. It gives up (false) on a file that is not plain block
// style, on a piece that fails to parse alone, and on any problem the
// decoder finds.
func streamYAML(ctx context.Context, name string, r *bufio.Reader, m *ward.Model, lim Limits) (ok bool, found Errors, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	order := make(chan *yamlPiece, 2*workers)
	work := make(chan *yamlPiece, 2*workers)
	var cutErr error   // set by the cutter before it closes order
	cutGaveUp := false // likewise
	cutDone := make(chan struct{})
	// The cutter reads r: it must have stopped before the file is read
	// again by the general path.
	defer func() { cancel(); <-cutDone }()
	go func() {
		defer close(cutDone)
		defer close(order)
		defer close(work)
		cutErr, cutGaveUp = cutYAML(ctx, r, func(p *yamlPiece) bool {
			select {
			case order <- p:
			case <-ctx.Done():
				return false
			}
			select {
			case work <- p:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	for range workers {
		go func() {
			for p := range work {
				var doc yaml.Node
				p.err = yaml.NewDecoder(bytes.NewReader(p.data)).Decode(&doc)
				if p.err == nil && len(doc.Content) == 1 {
					shiftLines(doc.Content[0], p.line-1)
					p.node = doc.Content[0]
				}
				p.data = nil
				close(p.done)
			}
		}()
	}
	d := decoder{ctx: ctx, file: name, lim: lim, aliasBudget: lim.MaxAliasNodes}
	ls := lists(m, newInterner())
	mv := reflect.ValueOf(m).Elem()
	info := structFields(mv.Type())
	seen := map[string]bool{}
	var cur list // the list the current section holds, if any
	first := true
	for p := range order {
		<-p.done
		n := p.node
		if p.err != nil || n == nil || (first && !p.head) {
			return false, nil, nil
		}
		first = false
		depthOff := 0
		if !p.head {
			depthOff = 1 // the piece's items sit one level nearer the top than in the file
		}
		if checkDepth(n, lim.MaxDepth-depthOff) != nil {
			return false, nil, nil
		}
		d.merged = nil // anchors do not cross pieces: what was merged is not met again
		if p.head {
			if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
				return false, nil, nil
			}
			key, val := n.Content[0], n.Content[1]
			idx, known := info.index[key.Value]
			if key.Kind != yaml.ScalarNode || key.Tag == "!!merge" || !known || seen[key.Value] {
				return false, nil, nil
			}
			seen[key.Value] = true
			if cur != nil {
				cur.done()
			}
			cur = nil
			l, isList := ls[key.Value]
			switch {
			case isList && isNull(val):
			case isList && val.Kind == yaml.SequenceNode:
				cur = l
				decodeItems(&d, cur, key.Value, val)
			default:
				d.value(val, info.field(mv, idx), key.Value, 1)
			}
		} else {
			if cur == nil || n.Kind != yaml.SequenceNode {
				return false, nil, nil
			}
			decodeItems(&d, cur, keyOf(ls, cur), n)
		}
		if d.stopped != nil {
			return false, nil, d.stopped
		}
		if len(d.errs) > 0 || d.bombed {
			return false, d.errs, nil
		}
	}
	if cutErr != nil || cutGaveUp {
		return false, nil, cutErr
	}
	if first {
		return false, nil, nil
	}
	if cur != nil {
		cur.done()
	}
	return true, nil, ctx.Err()
}

func keyOf(ls map[string]list, l list) string {
	for k, v := range ls {
		if v == l {
			return k
		}
	}
	return ""
}

func decodeItems(d *decoder, l list, key string, seq *yaml.Node) {
	for _, item := range seq.Content {
		l.yaml(d, item, key+"["+strconv.Itoa(l.len())+"]")
		if d.stopped != nil || len(d.errs) > 0 || d.bombed {
			return
		}
	}
}

// cutYAML reads r line by line and hands on pieces as parseYAMLSections
// cuts them: at each top-level key, and between the items of a long list.
// gaveUp is true when the file is not of the plain block style cutting
// needs; err is what the reader said.
func cutYAML(ctx context.Context, r *bufio.Reader, send func(*yamlPiece) bool) (err error, gaveUp bool) {
	var cur *yamlPiece
	var itemPrefix []byte // "  - " of the current section's list
	sectionStart := false // the line after a section's "key:"
	line := 0
	flush := func() bool {
		if cur == nil {
			return true
		}
		p := cur
		cur = nil
		return send(p)
	}
	var long []byte
	for {
		l, rerr := r.ReadSlice('\n')
		if errors.Is(rerr, bufio.ErrBufferFull) { // a line longer than the buffer
			long = append(long[:0], l...)
			for errors.Is(rerr, bufio.ErrBufferFull) {
				l, rerr = r.ReadSlice('\n')
				long = append(long, l...)
			}
			l = long
		}
		if rerr != nil && rerr != io.EOF {
			return rerr, false
		}
		if len(l) == 0 && rerr == io.EOF {
			break
		}
		line++
		switch c := l[0]; {
		case c == ' ' || c == '-':
			if cur == nil {
				return nil, true
			}
			// Only a section whose value is a block list is cut, and
			// only before an item of that list.
			if sectionStart {
				sectionStart = false
				if i := bytes.Index(l, []byte("- ")); i >= 0 && len(bytes.TrimLeft(l[:i], " ")) == 0 {
					itemPrefix = append([]byte(nil), l[:i+2]...)
				}
			}
			if itemPrefix != nil && lessIndented(l, len(itemPrefix)-2) {
				// Alone, a piece would read such a line otherwise
				// than the whole file does.
				return nil, true
			}
			if itemPrefix != nil && len(cur.data) >= streamChunk && bytes.HasPrefix(l, itemPrefix) {
				if !flush() {
					return ctx.Err(), false
				}
				cur = &yamlPiece{line: line, done: make(chan struct{})}
			}
		case c == '#' || c == '\r' || c == '\n':
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_':
			if bytes.IndexByte(l, ':') < 0 {
				return nil, true
			}
			if !flush() {
				return ctx.Err(), false
			}
			cur = &yamlPiece{line: line, head: true, done: make(chan struct{})}
			itemPrefix, sectionStart = nil, bytes.HasSuffix(bytes.TrimRight(l, " \r\n"), []byte(":"))
		default: // documents, directives, flow style, anchors at the top
			return nil, true
		}
		if cur != nil {
			cur.data = append(cur.data, l...)
		}
		if rerr == io.EOF {
			break
		}
	}
	if !flush() {
		return ctx.Err(), false
	}
	return nil, false
}

// lessIndented tells whether a line holding more than a comment is
// indented less than indent spaces.
func lessIndented(l []byte, indent int) bool {
	t := bytes.TrimLeft(l, " ")
	if len(t) == 0 || t[0] == '#' || t[0] == '\r' || t[0] == '\n' {
		return false
	}
	return len(l)-len(t) < indent
}

// countJSONFile counts the items of a JSON model file's top-level lists in
// a pass of their own, on a goroutine: the decoding pass allocates each
// list once at its size, where joining chunks at the end would hold the
// largest list twice at the peak. Counting is several times faster than
// decoding, and runs beside it: the decoder waits for a list's count only
// when it reaches the list first (the first large one, at the start of a
// file). Nil when the file is not JSON.
func countJSONFile(ctx context.Context, name string, r io.Reader, lim Limits) *listCounts {
	br := bufio.NewReaderSize(&budgetReader{r: r, max: lim.MaxBytes}, 1<<20)
	if head, _ := br.Peek(4096); DetectFormat(name, head) != JSON {
		return nil
	}
	c := &listCounts{n: map[string]int{}, ended: make(chan struct{})}
	c.changed = sync.NewCond(&c.mu)
	go func() {
		defer c.end()
		s := &jsonScanner{r: checkedReader{ctx, br}, buf: make([]byte, 1<<20)}
		s.object(func(key string) bool {
			if c, ok := s.next(); !ok || c != '[' {
				_, ok := s.value()
				return ok
			}
			n := 0
			ok := s.array(func() bool {
				n++
				_, ok := s.value()
				return ok
			})
			if ok {
				c.count(key, n)
			}
			return ok
		})
	}()
	return c
}

// listCounts are the counts of a file's lists as the counting pass finds
// them.
type listCounts struct {
	mu      sync.Mutex
	changed *sync.Cond
	n       map[string]int
	ended   chan struct{} // closed when no more counts will come
}

func (c *listCounts) count(key string, n int) {
	c.mu.Lock()
	c.n[key] = n
	c.mu.Unlock()
	c.changed.Broadcast()
}

func (c *listCounts) end() {
	c.mu.Lock()
	close(c.ended)
	c.mu.Unlock()
	c.changed.Broadcast()
}

// of is the count of list key, once counted; 0 when the counting pass
// ended without it (a file it could not read to the end: the decoding
// pass then gathers the list in chunks). A nil listCounts counts nothing.
func (c *listCounts) of(key string) int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if n, ok := c.n[key]; ok {
			return n
		}
		select {
		case <-c.ended:
			return 0
		default:
			c.changed.Wait()
		}
	}
}

// wait waits for the counting pass to end, so that the file is no longer
// read once the caller returns.
func (c *listCounts) wait() {
	if c != nil {
		<-c.ended
	}
}
