package nightly

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/simnet"
	"github.com/creatorscout/creatorscout/store"
)

// snapshotDays returns the days (since day0) of a creator's history.
func (w *world) snapshotDays(id string) []int {
	w.t.Helper()
	hist, err := w.st.History(context.Background(), id)
	if err != nil {
		w.t.Fatalf("history of %s: %v", id, err)
	}
	var out []int
	for _, s := range hist {
		out = append(out, int(s.Day.Sub(w.day0)/day))
	}
	return out
}

// truth is the network's account behind a stored creator: by id, or by
// platform id (web creators' ids carry their host, simnet's do not).
func (w *world) truth(c *creator.Creator) (simnet.Creator, bool) {
	if tc, ok := w.net.Creator(c.ID); ok {
		return tc, true
	}
	for _, tc := range w.net.Creators() {
		if tc.Platform == c.Platform && c.PlatformID != "" && tc.PlatformID == c.PlatformID {
			return tc, true
		}
	}
	return simnet.Creator{}, false
}

// truthFollowers is what the network reports for each stored creator now.
func (w *world) truthFollowers(cs map[string]*creator.Creator) map[string]int64 {
	out := map[string]int64{}
	for id, c := range cs {
		if tc, ok := w.truth(c); ok && tc.Followers != nil {
			out[id] = *tc.Followers
		}
	}
	return out
}

// postIDs is every stored post id.
func (w *world) postIDs() map[string]bool {
	w.t.Helper()
	out := map[string]bool{}
	err := w.st.EachCreator(context.Background(), func(_ *creator.Creator, posts []creator.Post) error {
		for _, p := range posts {
			out[p.ID] = true
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

// dueNow lists the ids the policy says are due at the start of a run
// beginning now (the store as it stands).
func (w *world) dueNow() map[string]bool {
	w.t.Helper()
	refs, err := w.st.RefreshQueue(context.Background(), w.clk.Now().Add(time.Hour), 0)
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]bool{}
	now := w.clk.Now()
	for _, r := range refs {
		if w.job.Policy.Due(r, now) {
			out[r.ID] = true
		}
	}
	return out
}

func (w *world) state(id string) *store.CreatorState {
	w.t.Helper()
	st, err := w.st.CreatorState(context.Background(), id)
	if err != nil {
		w.t.Fatalf("state of %s: %v", id, err)
	}
	return st
}

func changesOf(rep *creator.RunReport, kind string) []creator.Change {
	var out []creator.Change
	for _, c := range rep.Changes {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}

// checkAccounted: every due creator was refreshed, or failed, or went; the
// report's counts say so.
func (w *world) checkAccounted(night string, due map[string]bool, rep *creator.RunReport, failedIDs, goneBy map[string]bool) {
	w.t.Helper()
	refreshed := 0
	for id := range due {
		if goneBy[id] {
			continue
		}
		if failedIDs[id] {
			continue
		}
		st, err := w.st.CreatorState(context.Background(), id)
		if err != nil {
			continue // opted out or renamed: checked by the caller
		}
		if st.LastSeenAt.Before(rep.StartedAt) {
			w.t.Errorf("%s: due creator %s was not refreshed (last seen %s, run started %s, state %+v)", night, id, st.LastSeenAt, rep.StartedAt, st)
			continue
		}
		refreshed++
	}
	if rep.Due != len(due) {
		w.t.Errorf("%s: report says %d due, the policy says %d", night, rep.Due, len(due))
	}
	if rep.Deferred != 0 || rep.Skipped != 0 {
		w.t.Errorf("%s: %d deferred, %d skipped; want none", night, rep.Deferred, rep.Skipped)
	}
	if rep.Refreshed+rep.Unchanged < refreshed {
		w.t.Errorf("%s: report says %d refreshed and %d unchanged, the store shows %d", night, rep.Refreshed, rep.Unchanged, refreshed)
	}
}

// checkFollowerJumps: the report lists exactly the refreshed creators whose
// last two snapshots differ by the threshold.
func (w *world) checkFollowerJumps(night string, rep *creator.RunReport, refreshed []string) {
	w.t.Helper()
	got := map[string]creator.Change{}
	for _, c := range changesOf(rep, creator.ChangeFollowerJump) {
		got[c.CreatorID] = c
	}
	p := w.job.Policy
	for _, id := range refreshed {
		hist, err := w.st.History(context.Background(), id)
		if err != nil {
			w.t.Fatal(err)
		}
		var pts []creator.Snapshot
		for _, s := range hist {
			if s.Followers != nil {
				pts = append(pts, s)
			}
		}
		want := false
		var from, to int64
		if len(pts) >= 2 {
			from, to = *pts[len(pts)-2].Followers, *pts[len(pts)-1].Followers
			d := to - from
			want = from > 0 && d != 0 && math.Abs(float64(d)/float64(from)) >= p.FollowerJump && abs64(d) >= p.FollowerJumpMin
		}
		c, listed := got[id]
		switch {
		case want && !listed:
			w.t.Errorf("%s: %s went %d -> %d and is not in the report", night, id, from, to)
		case !want && listed:
			w.t.Errorf("%s: %s listed as a follower jump %+v but its history does not show one", night, id, c)
		case listed && (*c.From != from || *c.To != to):
			w.t.Errorf("%s: %s jump %d -> %d, history says %d -> %d", night, id, *c.From, *c.To, from, to)
		}
		delete(got, id)
	}
	for id, c := range got {
		w.t.Errorf("%s: follower jump for %s, which was not refreshed: %+v", night, id, c)
	}
}

// checkCompetitorMentions: the report lists exactly the new posts that
// name a tracked brand.
func (w *world) checkCompetitorMentions(night string, rep *creator.RunReport, before map[string]bool) int {
	w.t.Helper()
	tracked := map[string]bool{}
	for _, b := range w.job.Brands {
		tracked[strings.ToLower(b)] = true
	}
	want := map[string]bool{}
	err := w.st.EachCreator(context.Background(), func(c *creator.Creator, posts []creator.Post) error {
		for _, p := range posts {
			if before[p.ID] {
				continue
			}
			for _, b := range p.Brands {
				if tracked[strings.ToLower(b.Name)] {
					want[c.ID+" "+p.ID+" "+strings.ToLower(b.Name)] = true
				}
			}
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	got := map[string]bool{}
	for _, c := range changesOf(rep, creator.ChangeCompetitorMention) {
		got[c.CreatorID+" "+c.PostID+" "+c.Brand] = true
		if c.Class == "" {
			w.t.Errorf("%s: competitor mention without a class: %+v", night, c)
		}
	}
	for k := range want {
		if !got[k] {
			w.t.Errorf("%s: new brand mention %s missing from the report", night, k)
		}
	}
	for k := range got {
		if !want[k] {
			w.t.Errorf("%s: report lists %s, which is not a new post naming a tracked brand", night, k)
		}
	}
	return len(got)
}

func TestThreeSimulatedNights(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls a synthetic network four times")
	}
	w := newWorld(t, 160, 21)
	w.job.Policy.GoneAfter = 2
	w.job.Policy.FollowerJump = 0.02
	w.job.Policy.FollowerJumpMin = 1
	ctx := context.Background()

	// A saved search over every creator; its first run is the baseline.
	ss, err := w.st.CreateSavedSearch(ctx, "everyone", creator.Query{}, w.clk.Now())
	if err != nil {
		t.Fatal(err)
	}

	// Night 0, day 0: the first crawl, from a list of handles.
	seeds := w.seedRequests(14)
	w.job.Discovery = func(context.Context) ([]source.Request, []string, error) {
		return seeds, []string{"profiles:seed list"}, nil
	}
	r0 := w.run(RunOptions{})
	base := w.stored()
	if len(base) < 40 || r0.Report.New != len(base) || r0.Report.Due != 0 {
		t.Fatalf("night 0: %d stored, report %+v", len(base), r0.Report)
	}
	truth0 := w.truthFollowers(base)

	// The nights re-run two hashtag jobs.
	tags := w.net.Hashtags()[:2]
	w.job.Discovery = func(context.Context) ([]source.Request, []string, error) {
		return w.hashtagRequests(tags...), []string{"hashtag:" + tags[0], "hashtag:" + tags[1]}, nil
	}

	// Pick the cast from what night 0 stored.
	ids := make([]string, 0, len(base))
	for id := range base {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	truthOf := map[string]simnet.Creator{}
	for _, id := range ids {
		if tc, ok := w.truth(base[id]); ok {
			truthOf[id] = tc
		}
	}
	pick := func(what string, ok func(c *creator.Creator, tc simnet.Creator) bool) string {
		for _, id := range ids {
			tc, found := truthOf[id]
			if found && tc.Brand == "" && ok(base[id], tc) {
				return id
			}
		}
		t.Fatalf("no stored creator fits %s", what)
		return ""
	}
	hostCount := map[string]int{}
	for _, id := range ids {
		if tc, ok := truthOf[id]; ok && tc.Platform == simnet.Web {
			hostCount[tc.Host]++
		}
	}
	downHost := ""
	for h, n := range hostCount {
		if downHost == "" || n > hostCount[downHost] || (n == hostCount[downHost] && h < downHost) {
			downHost = h
		}
	}
	var onDownHost []string
	for _, id := range ids {
		if tc, ok := truthOf[id]; ok && tc.Host == downHost {
			onDownHost = append(onDownHost, id)
		}
	}
	goneNow := pick("a mastodon creator to delete", func(c *creator.Creator, _ simnet.Creator) bool { return c.Platform == creator.Mastodon })
	goneSlow := pick("a bluesky creator to delete", func(c *creator.Creator, _ simnet.Creator) bool { return c.Platform == creator.Bluesky })
	optOut := pick("a mastodon creator to opt out", func(c *creator.Creator, _ simnet.Creator) bool {
		return c.Platform == creator.Mastodon && c.ID != goneNow && c.Tier != creator.Nano && c.Tier != ""
	})
	renamed := pick("a bluesky creator to rename", func(c *creator.Creator, _ simnet.Creator) bool {
		return c.Platform == creator.Bluesky && c.ID != goneSlow && c.Tier != creator.Nano && c.Tier != ""
	})
	if len(onDownHost) == 0 {
		t.Fatal("no stored creator on a web host")
	}

	// A week passes: every creator is due, nano ones included.
	for i := 0; i < 7; i++ {
		w.nextDay()
	}

	// ---- Night 1, day 7: one creator is deleted (404), one Bluesky
	// account is deleted (400, counted towards GoneAfter), a web host is
	// down all night.
	if err := w.net.SetGone(truthOf[goneNow].ID); err != nil {
		t.Fatal(err)
	}
	if err := w.net.SetGone(truthOf[goneSlow].ID); err != nil {
		t.Fatal(err)
	}
	if err := w.net.SetHostDown(downHost, true); err != nil {
		t.Fatal(err)
	}
	before1 := w.stored()
	posts1 := w.postIDs()
	due1 := w.dueNow()
	truth7 := w.truthFollowers(before1)
	mark1, err := w.st.Watermark(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r1 := w.run(RunOptions{})
	rep1 := r1.Report

	// Gone at once on a 404: hidden from search, kept in the store as it was.
	if st := w.state(goneNow); !st.Gone || st.Failures != 1 || st.LastErrorKind != store.FailureGone {
		t.Errorf("night 1: %s state %+v, want gone after its 404", goneNow, st)
	}
	if c, err := w.st.Creator(ctx, goneNow); err != nil || !sameFacts(c, before1[goneNow]) {
		t.Errorf("night 1: gone creator's data changed or lost: %v", err)
	}
	if w.indexed(goneNow) {
		t.Errorf("night 1: gone creator %s is still searchable", goneNow)
	}
	// A 400 counts towards GoneAfter (2) but does not mark it gone yet.
	if st := w.state(goneSlow); st.Gone || st.Failures != 1 || st.LastErrorKind != "http_4xx" || st.LastErrorAt == nil {
		t.Errorf("night 1: %s state %+v, want one http_4xx failure, not gone", goneSlow, st)
	}
	// The down host: every creator on it failed, keeps its data and stays
	// searchable.
	for _, id := range onDownHost {
		st := w.state(id)
		c, err := w.st.Creator(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if due1[id] && (st.Failures != 1 || st.LastErrorKind != creator.FailureHostDown+":http_5xx" || st.LastErrorAt == nil || st.Gone) {
			t.Errorf("night 1: %s on the down host: state %+v", id, st)
		}
		if !sameFacts(c, before1[id]) || !c.FetchedAt.Equal(before1[id].FetchedAt) {
			t.Errorf("night 1: %s on the down host lost its last good data", id)
		}
		if !w.indexed(id) {
			t.Errorf("night 1: %s on the down host was taken out of search", id)
		}
		if got := w.snapshotDays(id); fmt.Sprint(got) != "[0]" {
			t.Errorf("night 1: %s on the down host has snapshots on days %v, want [0]", id, got)
		}
	}
	failed1 := map[string]bool{goneNow: true, goneSlow: true}
	for _, id := range onDownHost {
		if due1[id] {
			failed1[id] = true
		}
	}
	w.checkAccounted("night 1", due1, rep1, failed1, nil)
	wantFail := map[string]int{store.FailureGone: 1, "http_4xx": 1}
	for _, id := range onDownHost {
		if due1[id] {
			wantFail[creator.FailureHostDown+":http_5xx"]++
		}
	}
	if fmt.Sprint(rep1.Failures) != fmt.Sprint(wantFail) || rep1.Failed != len(failed1) || rep1.MarkedGone != 1 {
		t.Errorf("night 1: failures %v (failed %d, marked gone %d), want %v", rep1.Failures, rep1.Failed, rep1.MarkedGone, wantFail)
	}
	if g := changesOf(rep1, creator.ChangeGone); len(g) != 1 || g[0].CreatorID != goneNow {
		t.Errorf("night 1: gone changes %+v", g)
	}
	// History and growth: day 0 and day 7, as the network reported them.
	var refreshed1 []string
	grew := 0
	for id := range due1 {
		if failed1[id] {
			continue
		}
		refreshed1 = append(refreshed1, id)
		hist, err := w.st.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if days := w.snapshotDays(id); fmt.Sprint(days) != "[0 7]" {
			t.Errorf("night 1: %s snapshots on days %v, want [0 7]", id, days)
			continue
		}
		f0, f7 := hist[0].Followers, hist[1].Followers
		if _, known := truth7[id]; !known {
			// The platform hides the count: unknown, never 0.
			if f0 != nil || f7 != nil {
				t.Errorf("night 1: %s hides its followers but history holds %v, %v", id, f0, f7)
			}
			continue
		}
		if f0 == nil || f7 == nil || *f0 != truth0[id] || *f7 != truth7[id] {
			t.Errorf("night 1: %s history followers %v, %v; network said %d, %d", id, f0, f7, truth0[id], truth7[id])
			continue
		}
		c, err := w.st.Creator(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		g := c.Analysis
		if g == nil || g.Growth == nil || g.Growth.D7 == nil {
			t.Errorf("night 1: %s has no 7-day growth: %+v", id, g)
			continue
		}
		if d7 := g.Growth.D7; d7.FromN != *f0 || d7.ToN != *f7 || d7.Change != *f7-*f0 {
			t.Errorf("night 1: %s 7-day growth %+v, history says %d -> %d", id, d7, *f0, *f7)
		}
		if *f7 != *f0 {
			grew++
		}
		if g.Authenticity == nil {
			t.Errorf("night 1: %s has no authenticity evidence", id)
		}
	}
	if grew == 0 {
		t.Error("night 1: no creator's followers changed over the week")
	}
	w.checkFollowerJumps("night 1", rep1, refreshed1)
	mentions := w.checkCompetitorMentions("night 1", rep1, posts1)

	// New creators from the hashtag jobs, and the saved search's new matches.
	newIDs, err := w.st.CreatorsAfter(ctx, mark1)
	if err != nil {
		t.Fatal(err)
	}
	if rep1.New != len(newIDs) || rep1.New == 0 || fmt.Sprint(rep1.Jobs) != fmt.Sprint([]string{"hashtag:" + tags[0], "hashtag:" + tags[1]}) {
		t.Errorf("night 1: report new %d jobs %v; store has %d new", rep1.New, rep1.Jobs, len(newIDs))
	}
	var matched []string
	for _, c := range changesOf(rep1, creator.ChangeSavedSearchMatch) {
		if c.SearchID != ss.ID || c.SearchName != "everyone" {
			t.Errorf("night 1: saved-search change %+v", c)
		}
		matched = append(matched, c.CreatorID)
	}
	sort.Strings(matched)
	sort.Strings(newIDs)
	if fmt.Sprint(matched) != fmt.Sprint(newIDs) {
		t.Errorf("night 1: new saved-search matches %v, want the new creators %v", matched, newIDs)
	}

	// ---- Night 2, day 8: the host is back; the Bluesky account is still
	// gone.
	w.nextDay()
	if err := w.net.SetHostDown(downHost, false); err != nil {
		t.Fatal(err)
	}
	before2 := w.stored()
	posts2 := w.postIDs()
	due2 := w.dueNow()
	if due2[goneNow] {
		t.Error("night 2: a gone creator is due")
	}
	for _, id := range onDownHost {
		if due1[id] && !due2[id] {
			t.Errorf("night 2: %s failed last night and is not due again", id)
		}
	}
	r2 := w.run(RunOptions{})
	rep2 := r2.Report
	if st := w.state(goneSlow); !st.Gone || st.Failures != 2 {
		t.Errorf("night 2: %s state %+v, want gone after 2 consecutive failures", goneSlow, st)
	}
	if w.indexed(goneSlow) {
		t.Errorf("night 2: %s gone but searchable", goneSlow)
	}
	for _, id := range onDownHost {
		if !due2[id] {
			continue
		}
		st := w.state(id)
		if st.Failures != 0 || st.LastSeenAt.Before(rep2.StartedAt) {
			t.Errorf("night 2: %s on the recovered host: state %+v", id, st)
		}
		if days := w.snapshotDays(id); fmt.Sprint(days) != "[0 8]" {
			t.Errorf("night 2: %s snapshots on days %v, want [0 8] (none for the failed night)", id, days)
		}
	}
	w.checkAccounted("night 2", due2, rep2, map[string]bool{goneSlow: true}, nil)
	if rep2.MarkedGone != 1 || rep2.Failures["http_4xx"] != 1 || rep2.Failed != 1 {
		t.Errorf("night 2: report %+v", rep2)
	}
	// Intervals: mega and macro daily, micro every 2 days, nano weekly.
	downSet := map[string]bool{}
	for _, id := range onDownHost {
		downSet[id] = true
	}
	tiersDue := map[string]int{}
	for id, c := range before2 {
		if downSet[id] || id == goneSlow {
			continue // failed last night: due again whatever its tier
		}
		r := store.RefreshRef{Tier: c.Tier, FetchedAt: c.FetchedAt, LastPostAt: c.LastPostAt}
		if want := w.job.Policy.Due(r, rep2.StartedAt); want != due2[id] {
			t.Errorf("night 2: %s (%s) due %v, policy says %v", id, c.Tier, due2[id], want)
		}
		if due2[id] {
			tiersDue[c.Tier]++
			if c.Tier == creator.Nano || c.Tier == creator.Micro {
				t.Errorf("night 2: %s creator %s due a day after its refresh", c.Tier, id)
			}
		}
	}
	t.Logf("night 2: due by tier %v", tiersDue)
	var refreshed2 []string
	for id := range due2 {
		if id != goneSlow {
			refreshed2 = append(refreshed2, id)
		}
	}
	w.checkFollowerJumps("night 2", rep2, refreshed2)
	mentions += w.checkCompetitorMentions("night 2", rep2, posts2)

	// ---- Night 3, day 9: one creator opts out, one renames its handle.
	w.nextDay()
	if err := w.net.OptOut(truthOf[optOut].ID); err != nil {
		t.Fatal(err)
	}
	zTruth := truthOf[renamed]
	newHandle := "renamed-" + strings.SplitN(zTruth.Handle, ".", 2)[0] + ".bsky.social"
	if err := w.net.Rename(zTruth.ID, newHandle); err != nil {
		t.Fatal(err)
	}
	renamedPID := base[renamed].PlatformID
	renamedDaysBefore := w.snapshotDays(renamed)
	posts3 := w.postIDs()
	due3 := w.dueNow()
	if !due3[optOut] || !due3[renamed] {
		t.Fatalf("night 3: the opt-out %s (due %v) and the rename %s (due %v) must be due", optOut, due3[optOut], renamed, due3[renamed])
	}
	r3 := w.run(RunOptions{})
	rep3 := r3.Report

	// The opt-out is removed everywhere and kept out.
	if _, err := w.st.Creator(ctx, optOut); creator.ErrorCode(err) != creator.ENOTFOUND {
		t.Errorf("night 3: opted-out creator still stored: %v", err)
	}
	if _, err := w.st.History(ctx, optOut); creator.ErrorCode(err) != creator.ENOTFOUND {
		t.Errorf("night 3: opted-out creator's history still stored: %v", err)
	}
	if w.indexed(optOut) {
		t.Errorf("night 3: opted-out creator still searchable")
	}
	if dnc, _ := w.st.DoNotCrawl(ctx, optOut); !dnc {
		t.Errorf("night 3: opted-out creator not on the do-not-crawl list")
	}
	audit, err := w.st.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) == 0 || audit[0].Action != "forget" || audit[0].Subject != store.ForgottenSubject(optOut) {
		t.Errorf("night 3: audit log %+v lacks the opt-out", audit)
	}
	if rep3.Forgotten != 1 {
		t.Errorf("night 3: report forgotten %d, want 1", rep3.Forgotten)
	}
	// The rename: same creator, new id, history kept.
	newID := creator.MakeID(creator.Bluesky, newHandle)
	if _, err := w.st.Creator(ctx, renamed); creator.ErrorCode(err) != creator.ENOTFOUND {
		t.Errorf("night 3: old id %s still stored: %v", renamed, err)
	}
	c, err := w.st.CreatorByPlatformID(ctx, creator.Bluesky, renamedPID)
	if err != nil || c.ID != newID {
		t.Fatalf("night 3: platform id %s is now %v (%v), want %s", renamedPID, c, err, newID)
	}
	if days := w.snapshotDays(newID); fmt.Sprint(days) != fmt.Sprint(append(renamedDaysBefore, 9)) {
		t.Errorf("night 3: renamed creator's history %v, want %v", days, append(renamedDaysBefore, 9))
	}
	if !w.indexed(newID) || w.indexed(renamed) {
		t.Errorf("night 3: index holds new id %v, old id %v; want only the new", w.indexed(newID), w.indexed(renamed))
	}
	if rc := changesOf(rep3, creator.ChangeRenamed); len(rc) != 1 || rc[0].CreatorID != newID || rc[0].OldID != renamed || rep3.Renamed != 1 {
		t.Errorf("night 3: rename changes %+v", rc)
	}
	w.checkAccounted("night 3", due3, rep3, nil, map[string]bool{optOut: true, renamed: true})
	var refreshed3 []string
	for id := range due3 {
		switch id {
		case optOut:
		case renamed:
			refreshed3 = append(refreshed3, newID)
		default:
			refreshed3 = append(refreshed3, id)
		}
	}
	w.checkFollowerJumps("night 3", rep3, refreshed3)
	mentions += w.checkCompetitorMentions("night 3", rep3, posts3)
	if mentions == 0 {
		t.Error("no competitor mention in three nights of new posts")
	}

	// Earlier reports follow the creators: the opted-out creator's changes
	// are gone with it, the renamed one's carry its new id.
	for _, r := range []*Result{r0, r1, r2} {
		got, err := w.st.RunReport(ctx, r.Run.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range got.Changes {
			if c.CreatorID == optOut || c.CreatorID == renamed {
				t.Errorf("run %d: report still names %s: %+v", r.Run.ID, c.CreatorID, c)
			}
		}
		for _, c := range r.Report.Changes {
			if c.CreatorID == renamed {
				found := false
				for _, g := range got.Changes {
					found = found || (g.CreatorID == newID && g.Kind == c.Kind)
				}
				if !found {
					t.Errorf("run %d: %s's change %+v not carried to %s", r.Run.ID, renamed, c, newID)
				}
			}
		}
	}

	// Re-running the night adds nothing to the history.
	hist := map[string]string{}
	for id := range w.stored() {
		h, err := w.st.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		hist[id] = fmt.Sprint(snapshotValues(h))
	}
	again := w.run(RunOptions{All: true})
	if again.Report.Due < len(hist) {
		t.Errorf("forced re-run refreshed %d of %d", again.Report.Due, len(hist))
	}
	today := w.clk.Now().Format("2006-01-02")
	same := 0
	for id, was := range hist {
		h, err := w.st.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		now := fmt.Sprint(snapshotValues(h))
		switch {
		case strings.Contains(was, today+"="):
			// Snapshotted tonight already: the re-run adds nothing.
			if now != was {
				t.Errorf("re-run changed %s's history:\n was %s\n now %s", id, was, now)
			}
			same++
		case len(h) == 0 || h[len(h)-1].Day.Format("2006-01-02") != today || len(h) != strings.Count(was, "=")+1:
			// Not due tonight, refreshed by the forced run: one snapshot for today.
			t.Errorf("forced re-run gave %s history %s (was %s): want one more snapshot, for today; its state %+v; the run: %d refreshed, %d unchanged, %d deferred, %d skipped, failures %v",
				id, now, was, w.state(id), again.Report.Refreshed, again.Report.Unchanged, again.Report.Deferred, again.Report.Skipped, again.Report.Failures)
		}
	}
	if same == 0 {
		t.Error("no creator was snapshotted twice in a night")
	}
}

func snapshotValues(h []creator.Snapshot) []string {
	var out []string
	for _, s := range h {
		f := "nil"
		if s.Followers != nil {
			f = fmt.Sprint(*s.Followers)
		}
		out = append(out, s.Day.Format("2006-01-02")+"="+f)
	}
	return out
}

// sameFacts compares what a failed fetch must not touch.
func sameFacts(a, b *creator.Creator) bool {
	eq := func(x, y *int64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a != nil && b != nil && a.ID == b.ID && eq(a.Followers, b.Followers) && eq(a.Following, b.Following) &&
		eq(a.PostsCount, b.PostsCount) && a.Bio == b.Bio && a.DisplayName == b.DisplayName && a.FetchedAt.Equal(b.FetchedAt)
}
