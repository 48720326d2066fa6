package nightly

import (
	"context"
	"time"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/store"
)

// Meta keys sources use to say which creator a request is for.
const (
	metaCreatorID = "creator_id"
	metaHandle    = "handle"
)

// dncFilter drops requests for creators on the do-not-crawl list: by the
// request's URL, and by the creator its Meta names (creator_id,
// snowball_id, or handle on the source's platform). The frontier refuses
// listed URLs too, but a profile is reached by many URLs (an API lookup, a
// DID, a page), so the creator is checked as well.
type dncFilter struct {
	st *store.Store
}

func (f dncFilter) keep(ctx context.Context, platform string, r source.Request) (bool, error) {
	keys := []string{r.URL, r.Meta[metaCreatorID], r.Meta[source.MetaSnowballID]}
	if h := r.Meta[metaHandle]; h != "" && oneOf(platform, creator.Platforms) {
		keys = append(keys, creator.MakeID(platform, h), h)
	}
	for _, k := range keys {
		if k == "" {
			continue
		}
		dnc, err := f.st.DoNotCrawl(ctx, k)
		if err != nil || dnc {
			return false, err
		}
	}
	return true, nil
}

// filter returns reqs without the listed ones; on a store error it keeps
// them (the pipeline still refuses to store a listed creator).
func (f dncFilter) filter(ctx context.Context, platform string, reqs []source.Request) []source.Request {
	out := reqs[:0:0]
	for _, r := range reqs {
		if ok, err := f.keep(ctx, platform, r); ok || err != nil {
			out = append(out, r)
		}
	}
	return out
}

// wrap puts the filter in front of each source's next requests.
func (f dncFilter) wrap(srcs []source.Source) []source.Source {
	out := make([]source.Source, len(srcs))
	for i, s := range srcs {
		out[i] = dncSource{Source: s, f: f}
	}
	return out
}

type dncSource struct {
	source.Source
	f dncFilter
}

// Parse parses with the wrapped source and drops listed next requests.
func (s dncSource) Parse(p *source.Page) (*source.Result, error) {
	res, err := s.Source.Parse(p)
	if res != nil && len(res.Next) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res.Next = s.f.filter(ctx, s.Name(), res.Next)
		cancel()
	}
	return res, err
}
