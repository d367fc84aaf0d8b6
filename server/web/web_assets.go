package web

import (
	"cmp"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/report"
	"github.com/wardhealth/ward/server/internal/core"
)

// assetsPage is the inventory page.
type assetsPage struct {
	Rows  []assetRow
	Total int
	// From and To number the rows shown, from 1.
	From, To int
	// All counts the model's assets before filtering.
	All     int
	Zones   []ward.Zone
	Kinds   []string
	Filter  assetFilterForm
	Columns []sortColumn
	// First, Prev and Next are the other pages' addresses ("" for none).
	First, Prev, Next string
}

type assetFilterForm struct {
	Zone, Kind, Q, Sort, Order, Limit string
	Exposed                           bool
	// Active: some filter is set, so the page offers to clear them.
	Active bool
}

type assetRow struct {
	ward.Asset
	Worst    string
	Open     int
	Exposure intel.Exposure
	// Reachable says why it is reachable from the Internet, or "".
	Reachable string
}

// sortColumn is a column header that sorts: its link gives the other
// order when the list is already sorted by it.
type sortColumn struct {
	Label, URL string
	// Arrow shows the current order ("" when not sorted by it).
	Arrow string
}

// assetColumns are the inventory's columns: label and sort field ("" for
// a column that does not sort).
var assetColumns = [][2]string{{"Asset", "id"}, {"Name", "name"}, {"Kind", "kind"}, {"Zone", "zone"},
	{"Vendor and product", "vendor"}, {"Internet", ""}, {"Worst open risk", "risk"}, {"Known exploited", ""}}

// pageCursor is the cursor of the page starting at offset, in the format
// paginate reads, so the inventory can link back a page.
func pageCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

func (s *handler) webAssets(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	v, err := s.Assessed(r.Context(), c.Org)
	if err != nil {
		return err
	}
	return s.renderCached(w, r, c, v, "assets.html", "Assets", func() (any, error) {
		m := v.Model
		worst, count := report.WorstOpen(v.Result)
		q := r.URL.Query()
		// Sorting by risk is the page's own: filterAssets sorts by id and the
		// risks re-sort stably, worst first unless asked otherwise.
		byRisk := q.Get("sort") == "risk"
		fr := r
		if byRisk {
			if o := q.Get("order"); o != "" && o != "asc" && o != "desc" {
				return nil, core.Fail(http.StatusBadRequest, "order %q: asc or desc", o)
			}
			fq := url.Values{}
			for k, vs := range q {
				if k != "sort" && k != "order" {
					fq[k] = vs
				}
			}
			u := *r.URL
			u.RawQuery = fq.Encode()
			fr = &http.Request{Method: r.Method, URL: &u}
		}
		assets, err := core.FilterAssets(fr, v)
		if err != nil {
			return nil, err
		}
		if byRisk {
			// A copy: filterAssets may return the view's cached order.
			assets = slices.Clone(assets)
			asc := q.Get("order") == "asc"
			slices.SortStableFunc(assets, func(a, b *ward.Asset) int {
				d := cmp.Or(cmp.Compare(assess.SeverityRank(worst[a.ID]), assess.SeverityRank(worst[b.ID])), cmp.Compare(count[a.ID], count[b.ID]))
				if asc {
					return d
				}
				return -d
			})
		}
		p, err := core.Paginate(r, assets)
		if err != nil {
			return nil, err
		}
		exp := intel.Exposures(v.Result.Vulnerabilities)
		out := assetsPage{Total: p.Total, All: len(m.Assets), Zones: m.Zones}
		for _, a := range p.Items {
			out.Rows = append(out.Rows, assetRow{Asset: *a, Worst: worst[a.ID], Open: count[a.ID], Exposure: exp[a.ID], Reachable: v.ReachableFromInternet(a.ID)})
		}
		kinds := map[string]bool{}
		for _, a := range m.Assets {
			kinds[string(a.Kind)] = true
		}
		for k := range kinds {
			out.Kinds = append(out.Kinds, k)
		}
		slices.Sort(out.Kinds)
		f := assetFilterForm{Zone: q.Get("zone"), Kind: q.Get("kind"), Q: q.Get("q"), Exposed: q.Get("exposed") == "true",
			Sort: cmp.Or(q.Get("sort"), "id"), Order: q.Get("order"), Limit: q.Get("limit")}
		f.Active = f.Zone != "" || f.Kind != "" || f.Q != "" || f.Exposed
		out.Filter = f

		// Page links keep the filters and the order; sort links keep the
		// filters and start again at the first page.
		base := url.Values{}
		for k, vs := range q {
			if k != "cursor" {
				base[k] = vs
			}
		}
		link := func(vals url.Values) string { return "/orgs/" + url.PathEscape(c.Org) + "/assets?" + vals.Encode() }
		limit := 100
		if n, err := strconv.Atoi(f.Limit); err == nil {
			limit = n
		}
		offset := 0
		if len(p.Items) > 0 {
			offset = slices.IndexFunc(assets, func(a *ward.Asset) bool { return a.ID == p.Items[0].ID })
			out.From, out.To = offset+1, offset+len(p.Items)
		}
		if offset > 0 {
			out.First = link(base)
			prev := cloneValues(base)
			if po := max(0, offset-limit); po > 0 {
				prev.Set("cursor", pageCursor(po))
			}
			out.Prev = link(prev)
		}
		if p.Next != "" {
			next := cloneValues(base)
			next.Set("cursor", p.Next)
			out.Next = link(next)
		}
		for _, col := range assetColumns {
			sc := sortColumn{Label: col[0]}
			if col[1] != "" {
				vals := cloneValues(base)
				vals.Set("sort", col[1])
				// Risk sorts worst first; asking again gives the mildest first.
				desc := col[1] == "risk"
				if f.Sort == col[1] {
					now := f.Order == "desc" || (col[1] == "risk" && f.Order == "")
					sc.Arrow = map[bool]string{true: "▼", false: "▲"}[now]
					desc = !now
				}
				vals.Set("order", map[bool]string{true: "desc", false: "asc"}[desc])
				sc.URL = link(vals)
			}
			out.Columns = append(out.Columns, sc)
		}
		return out, nil
	})
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// assetPage is one asset's page.
type assetPage struct {
	*core.AssetDetail
	Zone     ward.Zone
	Worst    string
	Exposure intel.Exposure
	Links    []linkRow
	// Needed lists the clinical services that need the asset, directly or
	// through the services and network they depend on; the detail's
	// Services are only those that name it.
	Needed []assetService
	// Detections are the detections kept on the asset, latest first.
	Detections []ward.Detection
}

// assetService is a clinical service that needs an asset.
type assetService struct {
	ward.Service
	// Direct: the service names the asset among its dependencies.
	Direct bool
	// SinglePoint: the asset's failure alone stops the service; Reason
	// says why.
	SinglePoint bool
	Reason      string
}

// linkRow is a link seen from the asset: which way it goes and what is at
// its other end, an asset (with a page) or a zone.
type linkRow struct {
	ward.Link
	Outgoing bool
	// Other is the other end's id; OtherName its name; OtherAsset tells
	// whether it is an asset.
	Other, OtherName string
	OtherAsset       bool
}

func (s *handler) webAsset(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	v, err := s.Assessed(r.Context(), c.Org)
	if err != nil {
		return err
	}
	return s.renderCachedTitled(w, r, c, v, "asset.html", func() (any, string, error) {
		d, err := core.DetailOf(v, r.PathValue("id"))
		if err != nil {
			return nil, "", err
		}
		m := v.Model
		out := assetPage{AssetDetail: d, Zone: ward.Zone{ID: d.Asset.Zone}}
		for _, z := range m.Zones {
			if z.ID == d.Asset.Zone {
				out.Zone = z
			}
		}
		for _, rk := range d.Risks {
			if rk.Status == assess.Open && assess.SeverityRank(rk.Severity) > assess.SeverityRank(out.Worst) {
				out.Worst = rk.Severity
			}
		}
		out.Exposure = intel.Exposures(d.Vulnerabilities)[d.Asset.ID]
		names := map[string]string{}
		for _, z := range m.Zones {
			names[z.ID] = cmp.Or(z.Name, z.ID)
		}
		isAsset := map[string]bool{}
		for _, a := range m.Assets {
			isAsset[a.ID] = true
			names[a.ID] = cmp.Or(a.Name, a.ID)
		}
		for _, l := range d.Links {
			lr := linkRow{Link: l, Outgoing: l.From == d.Asset.ID, Other: l.To}
			if !lr.Outgoing {
				lr.Other = l.From
			}
			lr.OtherName, lr.OtherAsset = names[lr.Other], isAsset[lr.Other]
			out.Links = append(out.Links, lr)
		}
		services := map[string]ward.Service{}
		for _, sv := range m.Services {
			services[sv.ID] = sv
		}
		for _, rs := range v.Result.Resilience {
			as := assetService{Service: services[rs.Service], Direct: slices.Contains(services[rs.Service].DependsOn, d.Asset.ID)}
			for _, sp := range rs.SinglePoints {
				if sp.Asset == d.Asset.ID {
					as.SinglePoint, as.Reason = true, sp.Reason
				}
			}
			if as.Direct || as.SinglePoint || slices.Contains(rs.Needs, d.Asset.ID) {
				out.Needed = append(out.Needed, as)
			}
		}
		title := d.Asset.ID
		if d.Asset.Name != "" && d.Asset.Name != d.Asset.ID {
			title = d.Asset.Name + " (" + d.Asset.ID + ")"
		}
		if out.Detections, err = s.Cfg.Store.Detections(r.Context(), c.Org, ward.DetectionFilter{Asset: d.Asset.ID, Limit: 20}); err != nil {
			return nil, "", err
		}
		return out, strings.TrimSpace(title), nil
	})
}
