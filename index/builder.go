package index

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"runtime"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/creatorscout/creatorscout/creator"
)

// builder turns documents into what a generation stores: a log record,
// the facts of a table row and a bleve text document.
type builder struct {
	text     analysis.Analyzer
	chunkers sync.Pool // *chunker, each with its memory of chunks
}

func newBuilder(im *mapping.IndexMappingImpl) (*builder, error) {
	a := im.AnalyzerNamed(textAnalyzer)
	if a == nil {
		return nil, fmt.Errorf("index: analyzer %q is not registered", textAnalyzer)
	}
	return &builder{text: a}, nil
}

func (b *builder) chunker() *chunker {
	if c, ok := b.chunkers.Get().(*chunker); ok {
		return c
	}
	return newChunker(b.text)
}

func (b *builder) release(c *chunker) { b.chunkers.Put(c) }

// prep is one write made ready: an upsert's record, facts and text
// document, or a delete.
type prep struct {
	id   string
	del  bool
	f    facts
	rec  []byte // the framed log record
	text *document.Document
}

// checkDoc names what is wrong with d, or returns nil.
func checkDoc(d Doc) error {
	if d.Creator == nil {
		return creator.Invalid("creator", "is missing")
	}
	if strings.TrimSpace(d.Creator.ID) == "" {
		return creator.Invalid("id", "creator has no id")
	}
	c := d.Creator
	if len(c.ID) > 512 {
		return creator.Invalid("id", "is %d bytes; at most 512", len(c.ID))
	}
	// The stored JSON cannot hold NaN or infinities, and no figure may be one.
	nums := map[string]*float64{
		"engagement_rate": c.EngagementRate, "avg_likes": c.AvgLikes,
		"avg_comments": c.AvgComments, "avg_views": c.AvgViews,
	}
	if l := c.Location; l != nil {
		nums["location.lat"], nums["location.lon"], nums["location.confidence"] = l.Lat, l.Lon, l.Confidence
	}
	for _, name := range []string{"engagement_rate", "avg_likes", "avg_comments", "avg_views", "location.lat", "location.lon", "location.confidence"} {
		if v := nums[name]; v != nil && !finite(*v) {
			return creator.Invalid(name, "creator %s: %v is not a finite number", c.ID, *v)
		}
	}
	return nil
}

// prepare makes d ready for a generation. d has passed checkDoc.
func (b *builder) prepare(d Doc, ch *chunker) (prep, error) {
	p, _, err := b.prepareInto(d, ch, nil)
	return p, err
}

// prepareInto is prepare with the log record appended to buf (the record
// is a piece of the buffer returned), so a bulk load writes a batch's
// records into one buffer it reuses (recBufs).
func (b *builder) prepareInto(d Doc, ch *chunker, buf []byte) (prep, []byte, error) {
	c := d.Creator
	f := ch.x.extract(d)
	for name, l := range map[string][]string{"niches": f.niches, "hashtags": f.hashtags, "brands": f.brands} {
		if len(l) > maxValues {
			return prep{}, buf, creator.Invalid(name, "creator %s has %d distinct %s in its window; at most %d", c.ID, len(l), name, maxValues)
		}
	}
	// The record leaves out the analysis evidence: it can be several times
	// the size of the creator, and a page of hits does not show it (the
	// store serves it with the creator).
	light := *c
	light.Analysis = nil
	js, err := json.Marshal(&light)
	if err != nil {
		return prep{}, buf, fmt.Errorf("index: encode creator %s: %w", c.ID, err)
	}
	start := len(buf)
	buf = encodeRecord(buf, c.ID, &f, js, f.captions) // sized exactly when buf is nil
	rec := buf[start:len(buf):len(buf)]
	return prep{
		id:   c.ID,
		f:    f,
		rec:  rec,
		text: textDoc(ch, c.ID, c.DisplayName, c.Bio, f.captions),
	}, buf, nil
}

// recBufs are the record buffers of bulk-load jobs, reused once the
// records are in the log.
var recBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4<<20); return &b }}

func prepDelete(id string) prep {
	return prep{id: id, del: true, rec: encodeRecord(nil, id, nil, nil, nil)}
}

// textDoc is the bleve document of a creator: its name, bio and window
// captions, analysed. Blank fields are left out.
func textDoc(ch *chunker, id, name, bio string, captions []string) *document.Document {
	doc := document.NewDocument(id)
	if strings.TrimSpace(name) != "" {
		doc.AddField(ch.field(fName, name))
	}
	if strings.TrimSpace(bio) != "" {
		doc.AddField(ch.field(fBio, bio))
	}
	if caps := strings.Join(captions, "\n\n"); strings.TrimSpace(caps) != "" {
		doc.AddField(ch.field(fCaptions, caps))
	}
	return doc
}

// prepareAll prepares docs on every core, keeping their order.
func (b *builder) prepareAll(docs []Doc) ([]prep, error) {
	out := make([]prep, len(docs))
	workers := min(runtime.GOMAXPROCS(0), (len(docs)+127)/128)
	if workers <= 1 {
		ch := b.chunker()
		defer b.release(ch)
		for i, d := range docs {
			p, err := b.prepare(d, ch)
			if err != nil {
				return nil, err
			}
			out[i] = p
		}
		return out, nil
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		ferr error
	)
	per := (len(docs) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*per, min(len(docs), (w+1)*per)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ch := b.chunker()
			defer b.release(ch)
			for i := lo; i < hi; i++ {
				p, err := b.prepare(docs[i], ch)
				if err != nil {
					mu.Lock()
					if ferr == nil {
						ferr = err
					}
					mu.Unlock()
					return
				}
				out[i] = p
			}
		}()
	}
	wg.Wait()
	if ferr != nil {
		return nil, ferr
	}
	return out, nil
}

// shardOf is the text shard that holds id.
func shardOf(id string, shards int) int {
	if shards <= 1 {
		return 0
	}
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % uint32(shards))
}
