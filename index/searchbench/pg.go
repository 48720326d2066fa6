package searchbench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
)

// The PostgreSQL side: the same corpus in one table with a generated
// tsvector (GIN), GIN indexes on the array columns, btree indexes on the
// numbers and keywords, and a GiST index on earthdistance's ll_to_earth.
// Each query is two round trips, as a search API would make them: the page
// (21 rows with the creator JSON) and the facet counts plus the total over
// the same filter in one statement. pgx (github.com/jackc/pgx/v5) is the
// driver: pure Go, so the build needs no C toolchain, and its CopyFrom
// speaks COPY FROM STDIN for the bulk load.

// PGReport is what the PostgreSQL run measured.
type PGReport struct {
	CopySeconds  float64   `json:"copy_seconds"`
	IndexSeconds float64   `json:"index_seconds"`
	Bytes        int64     `json:"bytes"` // table and indexes
	Latency      []Latency `json:"latency"`
	QPS          float64   `json:"qps"`
}

const pgTable = "cs_bench_creators"

const pgSchema = `
CREATE EXTENSION IF NOT EXISTS cube;
CREATE EXTENSION IF NOT EXISTS earthdistance;
DROP TABLE IF EXISTS ` + pgTable + `;
CREATE TABLE ` + pgTable + ` (
	id text PRIMARY KEY,
	platform text NOT NULL,
	tier text,
	niches text[] NOT NULL,
	country text,
	region text,
	city text,
	language text,
	hashtags text[] NOT NULL,
	brands text[] NOT NULL,
	brand_class text[] NOT NULL,
	verified boolean NOT NULL,
	has_email boolean NOT NULL,
	undisclosed boolean NOT NULL,
	followers bigint,
	er double precision,
	last_post_at timestamptz,
	growth double precision,
	authenticity double precision,
	lat double precision,
	lon double precision,
	display_name text,
	bio text,
	captions text,
	doc jsonb NOT NULL,
	tsv tsvector GENERATED ALWAYS AS (
		setweight(to_tsvector('english', coalesce(display_name, '')), 'A') ||
		setweight(to_tsvector('english', coalesce(bio, '')), 'B') ||
		setweight(to_tsvector('english', coalesce(captions, '')), 'C')) STORED
)`

var pgIndexes = []string{
	`CREATE INDEX ON ` + pgTable + ` USING gin (tsv)`,
	`CREATE INDEX ON ` + pgTable + ` USING gin (niches)`,
	`CREATE INDEX ON ` + pgTable + ` USING gin (hashtags)`,
	`CREATE INDEX ON ` + pgTable + ` USING gin (brands)`,
	`CREATE INDEX ON ` + pgTable + ` USING gin (brand_class)`,
	`CREATE INDEX ON ` + pgTable + ` (followers)`,
	`CREATE INDEX ON ` + pgTable + ` (er)`,
	`CREATE INDEX ON ` + pgTable + ` (last_post_at)`,
	`CREATE INDEX ON ` + pgTable + ` (growth)`,
	`CREATE INDEX ON ` + pgTable + ` (authenticity)`,
	`CREATE INDEX ON ` + pgTable + ` (country)`,
	`CREATE INDEX ON ` + pgTable + ` (platform)`,
	`CREATE INDEX ON ` + pgTable + ` USING gist (ll_to_earth(lat, lon)) WHERE lat IS NOT NULL`,
}

var pgColumns = []string{"id", "platform", "tier", "niches", "country", "region", "city", "language", "hashtags", "brands",
	"brand_class", "verified", "has_email", "undisclosed", "followers", "er", "last_post_at", "growth", "authenticity",
	"lat", "lon", "display_name", "bio", "captions", "doc"}

// pgRow turns a document into the table's row, with the index's
// normalisation and window.
func pgRow(d index.Doc) ([]any, error) {
	c := d.Creator
	var niches, tags, brands, classes []string
	seen := map[string]bool{}
	add := func(list *[]string, v string) {
		if v != "" && !seen[v] {
			seen[v] = true
			*list = append(*list, v)
		}
	}
	for _, n := range c.Niches {
		add(&niches, strings.ToLower(n))
	}
	undisclosed := false
	var caps []string
	for _, p := range index.Window(d.Posts, c.FetchedAt) {
		caps = append(caps, p.Caption)
		for _, h := range p.Hashtags {
			add(&tags, "#"+strings.ToLower(h))
		}
		for _, b := range p.Brands {
			add(&brands, "@"+strings.ToLower(b.Name))
			add(&classes, strings.ToLower(b.Name)+"|"+b.Class)
		}
		undisclosed = undisclosed || p.Undisclosed != nil
	}
	strip := func(list []string) []string {
		out := make([]string, 0, len(list))
		for _, v := range list {
			out = append(out, v[1:])
		}
		return out
	}
	tags, brands = strip(tags), strip(brands)
	if niches == nil {
		niches = []string{}
	}
	if classes == nil {
		classes = []string{}
	}
	light := *c
	light.Analysis = nil
	doc, err := json.Marshal(&light)
	if err != nil {
		return nil, err
	}
	var country, region, city any
	var lat, lon any
	if l := c.Location; l != nil {
		country, region, city = nullable(strings.ToUpper(l.Country)), nullable(strings.ToLower(l.Region)), nullable(strings.ToLower(l.City))
		if l.Lat != nil && l.Lon != nil {
			lat, lon = *l.Lat, *l.Lon
		}
	}
	var growth, auth any
	if a := c.Analysis; a != nil {
		if a.Growth != nil && a.Growth.D30 != nil && a.Growth.D30.Relative != nil {
			growth = *a.Growth.D30.Relative
		}
		if a.Authenticity != nil && a.Authenticity.Score != nil {
			auth = *a.Authenticity.Score
		}
	}
	return []any{c.ID, c.Platform, nullable(c.Tier), niches, country, region, city, nullable(c.Language), tags, brands,
		classes, c.Verified, c.Email != "", undisclosed, c.Followers, c.EngagementRate, c.LastPostAt, growth, auth,
		lat, lon, c.DisplayName, c.Bio, strings.Join(caps, "\n\n"), doc}, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// pgQuery is one query in SQL: its filter, its order and its facets.
type pgQuery struct {
	where  string
	args   []any
	order  string
	facets []string
}

// pgFacetSQL is each facet's expression over the matched rows.
var pgFacetSQL = map[string]string{
	"platform": "SELECT 'platform', platform, count(*) FROM m GROUP BY 2",
	"tier":     "SELECT 'tier', tier, count(*) FROM m WHERE tier IS NOT NULL GROUP BY 2",
	"niche":    "SELECT 'niche', x, count(*) FROM m, unnest(niches) x GROUP BY 2",
	"country":  "SELECT 'country', country, count(*) FROM m WHERE country IS NOT NULL GROUP BY 2",
	"city":     "SELECT 'city', city, count(*) FROM m WHERE city IS NOT NULL GROUP BY 2",
	"language": "SELECT 'language', language, count(*) FROM m WHERE language IS NOT NULL GROUP BY 2",
	"brand":    "SELECT 'brand', x, count(*) FROM m, unnest(brands) x GROUP BY 2",
	"hashtag":  "SELECT 'hashtag', x, count(*) FROM m, unnest(hashtags) x GROUP BY 2",
}

// toPG expresses the canonical query i of name in SQL.
func toPG(k int, i int) pgQuery {
	q, opts := Queries[k].Q(i)
	facets := q.Facets
	if facets == nil {
		facets = creator.FacetFields
	}
	switch k {
	case 0:
		return pgQuery{where: "tsv @@ plainto_tsquery('english', $1) AND platform = $2 AND followers BETWEEN 10000 AND 100000 AND er >= 0.03",
			args: []any{q.Text, q.Platforms[0]}, order: "er DESC NULLS LAST, id", facets: facets}
	case 1:
		return pgQuery{where: "hashtags @> ARRAY[$1]::text[] AND country = $2", args: []any{q.Hashtags[0], q.Countries[0]},
			order: "followers DESC NULLS LAST, id", facets: facets}
	case 2:
		return pgQuery{where: "brands @> ARRAY[$1]::text[]", args: []any{q.Brands[0]}, order: "id", facets: facets}
	default:
		_ = opts
		c := cities[i%len(cities)]
		return pgQuery{where: "earth_box(ll_to_earth($1, $2), $3) @> ll_to_earth(lat, lon) AND lat IS NOT NULL " +
			"AND earth_distance(ll_to_earth($1, $2), ll_to_earth(lat, lon)) <= $3 AND niches @> ARRAY[$4]::text[]",
			args: []any{c.lat, c.lon, 50000.0, q.Niches[0]}, order: "id", facets: facets}
	}
}

// run runs q: the page, then the total and the facets.
func (q pgQuery) run(ctx context.Context, conn *pgx.Conn) (uint64, error) {
	rows, err := conn.Query(ctx, "SELECT id, doc FROM "+pgTable+" WHERE "+q.where+" ORDER BY "+q.order+" LIMIT 21", q.args...)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var id string
		var doc []byte
		if err := rows.Scan(&id, &doc); err != nil {
			rows.Close()
			return 0, err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	parts := []string{"SELECT 'total', NULL, count(*) FROM m"}
	for _, f := range q.facets {
		parts = append(parts, "("+pgFacetSQL[f]+" ORDER BY 3 DESC, 2 LIMIT 10)")
	}
	sql := "WITH m AS MATERIALIZED (SELECT platform, tier, niches, country, city, language, brands, hashtags FROM " + pgTable +
		" WHERE " + q.where + ") " + strings.Join(parts, " UNION ALL ")
	rows, err = conn.Query(ctx, sql, q.args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var total uint64
	for rows.Next() {
		var name string
		var val *string
		var n int64
		if err := rows.Scan(&name, &val, &n); err != nil {
			return 0, err
		}
		if name == "total" {
			total = uint64(n)
		}
	}
	return total, rows.Err()
}

// runPostgres loads the corpus and times the queries.
func runPostgres(ctx context.Context, o Options) (*PGReport, error) {
	conn, err := pgx.Connect(ctx, o.PostgresDSN)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, pgSchema); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	rep := &PGReport{}
	o.logf("loading %d creators into PostgreSQL", o.Creators)
	start := time.Now()
	// The rows are read from the corpus file the index was built from,
	// ahead of COPY.
	gctx, stop := context.WithCancel(ctx)
	defer stop()
	rows := make(chan []any, 4096)
	genErr := make(chan error, 1)
	go func() {
		defer close(rows)
		genErr <- ReadCorpus(gctx, o.pgCorpus, func(d index.Doc) error {
			row, err := pgRow(d)
			if err != nil {
				return err
			}
			select {
			case rows <- row:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
	}()
	n, err := conn.CopyFrom(ctx, pgx.Identifier{pgTable}, pgColumns, pgx.CopyFromFunc(func() ([]any, error) {
		row, ok := <-rows
		if !ok {
			return nil, nil
		}
		return row, nil
	}))
	stop()
	for range rows { // let the generator finish
	}
	if gerr := <-genErr; err == nil && gerr != nil && !errors.Is(gerr, context.Canceled) {
		err = gerr
	}
	if err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	}
	if int(n) != o.Creators {
		return nil, fmt.Errorf("copy: %d rows, want %d", n, o.Creators)
	}
	rep.CopySeconds = time.Since(start).Seconds()
	start = time.Now()
	for _, ddl := range pgIndexes {
		if _, err := conn.Exec(ctx, ddl); err != nil {
			return nil, fmt.Errorf("%s: %w", ddl, err)
		}
	}
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE "+pgTable); err != nil {
		return nil, err
	}
	rep.IndexSeconds = time.Since(start).Seconds()
	if err := conn.QueryRow(ctx, "SELECT pg_total_relation_size($1)", pgTable).Scan(&rep.Bytes); err != nil {
		return nil, err
	}
	o.logf("PostgreSQL loaded: COPY %.1fs, indexes %.1fs, %.0f MB", rep.CopySeconds, rep.IndexSeconds, float64(rep.Bytes)/1e6)

	for k := range Queries {
		run := func(ctx context.Context, i int) (uint64, error) { return toPG(k, i).run(ctx, conn) }
		for i := 0; i < o.Warmup; i++ {
			if _, err := run(ctx, i+1000); err != nil {
				return nil, fmt.Errorf("%s: %w", Queries[k].Name, err)
			}
		}
		lat := make([]time.Duration, 0, o.Runs)
		var hits uint64
		for i := 0; i < o.Runs; i++ {
			t := time.Now()
			n, err := run(ctx, i)
			lat = append(lat, time.Since(t))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", Queries[k].Name, err)
			}
			hits += n
		}
		l := latency(Queries[k].Name, lat, float64(hits)/float64(o.Runs))
		rep.Latency = append(rep.Latency, l)
		o.logf("  postgres %s: p50 %.1f p95 %.1f p99 %.1f ms, %.0f hits", l.Name, l.P50, l.P95, l.P99, l.MeanHits)
	}

	conns := make([]*pgx.Conn, o.Clients)
	for c := range conns {
		if conns[c], err = pgx.Connect(ctx, o.PostgresDSN); err != nil {
			return nil, err
		}
		defer conns[c].Close(ctx)
	}
	var wg sync.WaitGroup
	errs := make(chan error, o.Clients)
	start = time.Now()
	for c := range conns {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; i < o.PerQPS; i++ {
				k := c*o.PerQPS + i
				if _, err := toPG(k%4, k/4).run(ctx, conns[c]); err != nil {
					errs <- err
					return
				}
			}
		}(c)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	rep.QPS = float64(o.Clients*o.PerQPS) / time.Since(start).Seconds()
	o.logf("  postgres %d clients: %.0f qps", o.Clients, rep.QPS)
	return rep, nil
}
