package index

import (
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	bindex "github.com/blevesearch/bleve_index_api"
)

// Text analysis for the bulk load. A profile of a bulk load showed about
// 40% of the CPU in bleve's analysis: the UAX#29 word segmenter, then the
// possessive, lower-case, stop and Porter filters on every token, and a
// *Token per word. The English analyzer is a tokenizer followed by filters
// that each look at one token alone, and the word segmenter always breaks
// at ASCII white space that is followed by an ASCII byte (white space is
// its own segment, and only non-ASCII Extend and Format characters attach
// to the character before them). So the terms of a text are the terms of
// its white-space separated chunks, one after the other, and the terms of
// a chunk can be remembered: a creator's words repeat across creators. The
// chunker below gives exactly the terms bleve's analyzer gives (a test
// compares the two on the corpus and on random text); a chunk it has not
// seen goes through bleve's analyzer itself.

// chunkCacheMax bounds one chunker's memory of chunks; past it the memory
// is dropped and starts again.
const chunkCacheMax = 1 << 17

// chunker analyses text with a memory of chunks, and holds a worker's
// other scratch space. It is not safe for concurrent use: each worker has
// its own.
type chunker struct {
	an    analysis.Analyzer
	cache map[string][]int32 // chunk -> ids of its terms (none: stop words, punctuation)
	terms [][]byte           // term id -> term
	strs  []string           // term id -> term, as a map key
	ids   map[string]int32   // term -> id

	counts  []int32 // term id -> count in the text being analysed
	touched []int32 // the ids counted

	x extractor
}

func newChunker(an analysis.Analyzer) *chunker {
	return &chunker{an: an, cache: make(map[string][]int32, 1024), ids: make(map[string]int32, 1024)}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// each calls fn with the id of every term of text, in order, as the
// English analyzer yields them; c.terms[id] is the term. Text that is not
// valid UTF-8 is analysed whole, uncached: the segmenter stops at the
// first invalid byte, so its chunks do not add up.
func (c *chunker) each(text string, fn func(id int32)) {
	if !utf8.ValidString(text) {
		for _, t := range c.chunk(text) {
			fn(t)
		}
		delete(c.cache, text)
		return
	}
	start := 0
	for i := 0; i <= len(text); i++ {
		if i < len(text) {
			if !isSpace(text[i]) || (i+1 < len(text) && text[i+1] >= 0x80) {
				continue
			}
		}
		if i > start {
			for _, t := range c.chunk(text[start:i]) {
				fn(t)
			}
		}
		start = i + 1
	}
}

func (c *chunker) chunk(s string) []int32 {
	if ids, ok := c.cache[s]; ok {
		return ids
	}
	toks := c.an.Analyze([]byte(s))
	var ids []int32
	if len(toks) > 0 {
		ids = make([]int32, len(toks))
		for i, t := range toks {
			id, ok := c.ids[string(t.Term)]
			if !ok {
				id = int32(len(c.terms))
				c.terms = append(c.terms, append([]byte(nil), t.Term...))
				c.strs = append(c.strs, string(t.Term))
				c.ids[string(t.Term)] = id
			}
			ids[i] = id
		}
	}
	c.cache[s] = ids
	return ids
}

// forget drops the memory once it is full; only between texts, since it
// renumbers the terms.
func (c *chunker) forget() {
	if len(c.cache) < chunkCacheMax && len(c.terms) < chunkCacheMax {
		return
	}
	clear(c.cache)
	clear(c.ids)
	c.terms, c.strs = nil, nil
	c.counts = nil
}

// frequencies analyses text into the term frequencies and length bleve
// stores for a field indexed without term vectors.
func (c *chunker) frequencies(text string) (*freqSet, int) {
	c.forget()
	n := 0
	c.each(text, func(id int32) {
		n++
		if int(id) >= len(c.counts) {
			c.counts = append(c.counts, make([]int32, int(id)+1-len(c.counts)+1024)...)
		}
		if c.counts[id] == 0 {
			c.touched = append(c.touched, id)
		}
		c.counts[id]++
	})
	fs := freqSets.Get().(*freqSet)
	if cap(fs.slab) < len(c.touched) {
		fs.slab = make([]bindex.TokenFreq, len(c.touched))
	}
	fs.slab = fs.slab[:len(c.touched)] // releaseText clears exactly what was used
	for i, id := range c.touched {
		tf := &fs.slab[i]
		tf.Term = c.terms[id]
		tf.SetFrequency(int(c.counts[id]))
		fs.m[c.strs[id]] = tf
		c.counts[id] = 0
	}
	c.touched = c.touched[:0]
	return fs, n
}

// freqSet is the term frequencies of one analysed field: a map and the
// entries it points to, reused once bleve has indexed the field
// (releaseText). A bulk load analyses every creator's text into fresh
// ones otherwise: about 5 GB of garbage per million creators.
type freqSet struct {
	m    bindex.TokenFrequencies
	slab []bindex.TokenFreq
}

var freqSets = sync.Pool{New: func() any { return &freqSet{m: make(bindex.TokenFrequencies, 64)} }}

// releaseText gives the frequencies of doc's analysed fields back for
// reuse. Call it only once bleve is done with doc: after the batch that
// holds it returns.
func releaseText(doc *document.Document) {
	if doc == nil {
		return
	}
	for _, f := range doc.Fields {
		af, ok := f.(*analyzedField)
		if !ok || af.set == nil {
			continue
		}
		clear(af.set.m)
		clear(af.set.slab)
		freqSets.Put(af.set)
		af.set, af.freqs = nil, nil
	}
}

// analyzedField is a text field analysed before it reaches bleve: indexed
// with frequencies and norms, no term vectors, not stored.
type analyzedField struct {
	name   string
	length int
	freqs  bindex.TokenFrequencies
	set    *freqSet // where freqs came from, for releaseText
	plain  uint64
}

var _ document.Field = (*analyzedField)(nil)

func (c *chunker) field(name, text string) *analyzedField {
	fs, n := c.frequencies(text)
	return &analyzedField{name: name, length: n, freqs: fs.m, set: fs, plain: uint64(len(text))}
}

func (f *analyzedField) Name() string                                      { return f.name }
func (f *analyzedField) ArrayPositions() []uint64                          { return nil }
func (f *analyzedField) Options() bindex.FieldIndexingOptions              { return optText }
func (f *analyzedField) Analyze()                                          {}
func (f *analyzedField) Value() []byte                                     { return nil }
func (f *analyzedField) NumPlainTextBytes() uint64                         { return f.plain }
func (f *analyzedField) EncodedFieldType() byte                            { return 't' }
func (f *analyzedField) AnalyzedLength() int                               { return f.length }
func (f *analyzedField) AnalyzedTokenFrequencies() bindex.TokenFrequencies { return f.freqs }
func (f *analyzedField) Size() int                                         { return 64 + len(f.freqs)*48 }
