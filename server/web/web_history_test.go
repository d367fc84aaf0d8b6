package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/server/internal/core"
)

// The overview's history: an analyst keeps the assessment of revision 1,
// the model changes (half its assets go), and the chart shows revision 1
// with the counts kept and revision 2 now with the new ones; the keeping
// is audited, and a viewer may not keep.
func TestWebHistory(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	ctx := context.Background()
	viewer := e.signIn(t, "viewer", webPassword)
	_, body := viewer.get("/orgs/" + webOrg + "/")
	wantAll(t, "history at first", body, `<section id="history">`, `class="x">r1 now</text>`, "No assessment run kept yet")
	if strings.Contains(body, `id="keep-assessment"`) {
		t.Error("a viewer is offered to keep the assessment")
	}
	if status, _ := viewer.submit("/orgs/"+webOrg+"/assessments", nil); status != http.StatusForbidden {
		t.Errorf("a viewer keeping the assessment: %d", status)
	}
	analyst := e.signIn(t, "analyst", webPassword)
	_, body = analyst.get("/orgs/" + webOrg + "/")
	wantAll(t, "analyst's overview", body, `id="keep-assessment"`)
	if status, _ := analyst.post("/orgs/"+webOrg+"/assessments", nil); status == http.StatusOK {
		t.Error("keeping without the CSRF token went through")
	}
	before, err := e.srv.Assessed(ctx, webOrg)
	if err != nil {
		t.Fatal(err)
	}
	status, body := analyst.submit("/orgs/"+webOrg+"/assessments", nil)
	if status != http.StatusOK || !strings.Contains(body, `<section id="history">`) {
		t.Fatalf("keep: %d", status)
	}
	entries, err := e.store.Audit(ctx, webOrg, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if last := entries[len(entries)-1]; last.Action != "assessment.run" || last.Target != "revision 1" {
		t.Errorf("the last audit entry is %+v", last)
	}

	m := *e.model
	m.Assets = m.Assets[:len(m.Assets)/2]
	var links []ward.Link
	kept := map[string]bool{}
	for _, a := range m.Assets {
		kept[a.ID] = true
	}
	for _, z := range m.Zones {
		kept[z.ID] = true
	}
	for _, l := range m.Links {
		if kept[l.From] && kept[l.To] {
			links = append(links, l)
		}
	}
	m.Links = links
	var services []ward.Service
	for _, s := range m.Services {
		s.DependsOn = keepOnly(s.DependsOn, kept)
		services = append(services, s)
	}
	m.Services = services
	if err := e.store.PutModels(ctx, []*ward.Model{&m}); err != nil {
		t.Fatal(err)
	}
	after, err := e.srv.Assessed(ctx, webOrg)
	if err != nil {
		t.Fatal(err)
	}
	if after.Revision != 2 || fmt.Sprint(after.Result.Summary.Open) == fmt.Sprint(before.Result.Summary.Open) {
		t.Fatalf("revision %d, open %v then %v: the change changes nothing", after.Revision, before.Result.Summary.Open, after.Result.Summary.Open)
	}
	_, body = viewer.get("/orgs/" + webOrg + "/")
	wantAll(t, "history after", body, `class="x">r1</text>`, `class="x">r2 now</text>`, "1 assessment run(s) kept")
	titles := regexp.MustCompile(`<title>(revision \d+ \([^<]*\): \d+ open \w+ risks)</title>`).FindAllStringSubmatch(body, -1)
	got := map[string]bool{}
	for _, m := range titles {
		got[html.UnescapeString(m[1])] = true
	}
	for _, sev := range historySeverities {
		for rev, v := range map[int64]*core.View{1: before, 2: after} {
			found := false
			for title := range got {
				if strings.HasPrefix(title, fmt.Sprintf("revision %d ", rev)) && strings.HasSuffix(title, fmt.Sprintf(": %d open %s risks", v.Result.Summary.Open[sev], sev)) {
					found = true
				}
			}
			if !found {
				t.Errorf("no point of revision %d with %d open %s risks in %v", rev, v.Result.Summary.Open[sev], sev, got)
			}
		}
	}
}

func keepOnly(ids []string, kept map[string]bool) []string {
	var out []string
	for _, id := range ids {
		if kept[id] {
			out = append(out, id)
		}
	}
	return out
}
