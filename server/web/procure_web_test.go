package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
)

// uploadFiles sends the procure form: files by field, with the CSRF token
// of the last page seen.
func (c *webClient) uploadFiles(path string, files map[string]string) (int, string) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", c.csrf)
	for field, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			c.t.Fatal(err)
		}
		fw, _ := mw.CreateFormFile(field, filepath.Base(file))
		fw.Write(data)
	}
	mw.Close()
	req, err := http.NewRequest("POST", c.base+path, &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// TestWebProcure: a viewer checks two candidates on the dashboard; the
// page passes the CSP checks; bad input is shown with its place.
func TestWebProcure(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	c := e.signIn(t, "viewer", webPassword)
	path := "/orgs/" + webOrg + "/procure"
	status, body := c.get(path)
	if status != http.StatusOK {
		t.Fatalf("%d", status)
	}
	wantAll(t, "procure form", body, `enctype="multipart/form-data"`, `name="form1"`, `name="sbom3"`, `href="/orgs/`+webOrg+`/procure" class="here"`)
	data := filepath.Join("..", "..", "procure", "testdata")
	status, body = c.uploadFiles(path, map[string]string{
		"candidate1": filepath.Join(data, "pump-aurora.yaml"), "form1": filepath.Join(data, "pump-aurora-mds2.xlsx"),
		"candidate2": filepath.Join(data, "pump-borealis.yaml"), "form2": filepath.Join(data, "pump-borealis-mds2.xlsx"),
		"sbom2": filepath.Join(data, "pump-borealis-sbom.spdx.json"),
	})
	if status != http.StatusOK {
		t.Fatalf("%d %.500s", status, body)
	}
	checkPage(t, "procure results", body)
	wantAll(t, "procure results", body, `<table class="compare">`, "Candidate borealis-v3", "PAUT-4 answered no (MDS2!C123)", `<ol class="clauses">`, "What it adds to the assessment")
	status, body = c.uploadFiles(path, map[string]string{"form1": filepath.Join(data, "pump-borealis-sbom.spdx.json")})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("an SBOM as the form: %d", status)
	}
	wantAll(t, "procure errors", body, `id="procure-errors"`, "pump-borealis-sbom.spdx.json", "not an XLSX workbook")
	status, _ = c.uploadFiles(path, nil)
	if status != http.StatusUnprocessableEntity {
		t.Errorf("nothing uploaded: %d", status)
	}
}

// TestWebProcurePlace: an analyst places a candidate as planned from the
// page; a viewer is offered no such button and is refused the route.
func TestWebProcurePlace(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	data := filepath.Join("..", "..", "procure", "testdata")
	files := map[string]string{"candidate1": filepath.Join(data, "pump-aurora.yaml"), "form1": filepath.Join(data, "pump-aurora-mds2.xlsx")}
	path := "/orgs/" + webOrg + "/procure"
	v := e.signIn(t, "viewer", webPassword)
	if _, body := v.get(path); strings.Contains(body, `formaction="`+path+`/place"`) {
		t.Error("a viewer is offered to place candidates")
	}
	if status, _ := v.uploadFiles(path+"/place", files); status != http.StatusForbidden {
		t.Errorf("a viewer places: %d", status)
	}
	a := e.signIn(t, "analyst", webPassword)
	_, body := a.get(path)
	wantAll(t, "analyst's procure form", body, `formaction="`+path+`/place"`)
	status, body := a.uploadFiles(path+"/place", files)
	if status != http.StatusOK {
		t.Fatalf("%d %.300s", status, body)
	}
	checkPage(t, "placed", body)
	wantAll(t, "placed", body, `id="placed"`, "Placed as planned: aurora-lvp")
	m, err := e.store.Model(t.Context(), webOrg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(m.Assets, func(x ward.Asset) bool { return x.ID == "aurora-lvp" && x.Provenance == ward.ProvenancePlanned }) {
		t.Error("not stored as planned")
	}
}
