package intel

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"
)

// BaseScore parses a CVSS 3.0, 3.1 or 4.0 vector and gives its base score,
// so that a score an advisory states can be checked and one it omits
// computed.
func BaseScore(vector string) (float64, error) {
	switch {
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		v, err := gocvss40.ParseVector(vector)
		if err != nil {
			return 0, fmt.Errorf("CVSS vector %q: %w", vector, err)
		}
		return v.Score(), nil
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		v, err := gocvss31.ParseVector(vector)
		if err != nil {
			return 0, fmt.Errorf("CVSS vector %q: %w", vector, err)
		}
		return v.BaseScore(), nil
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		v, err := gocvss30.ParseVector(vector)
		if err != nil {
			return 0, fmt.Errorf("CVSS vector %q: %w", vector, err)
		}
		return v.BaseScore(), nil
	}
	return 0, fmt.Errorf("CVSS vector %q: not CVSS 3.0, 3.1 or 4.0", vector)
}

// EPSS is FIRST's exploit prediction for one CVE: the probability of
// exploitation in the next 30 days and its percentile.
type EPSS struct {
	Score      float64 `json:"epss"`
	Percentile float64 `json:"percentile"`
}

// ParseEPSS reads FIRST's EPSS CSV (plain or gzipped): an optional
// "#model_version:...,score_date:..." line, the header cve,epss,percentile,
// then one line per CVE. It returns the scores and the score date.
func ParseEPSS(name string, r io.Reader) (map[string]EPSS, string, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", name, err)
		}
		defer gz.Close()
		br = bufio.NewReader(gz)
	}
	date := ""
	if first, _ := br.Peek(1); len(first) == 1 && first[0] == '#' {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", name, err)
		}
		for _, kv := range strings.Split(strings.TrimSpace(strings.TrimPrefix(line, "#")), ",") {
			if k, v, ok := strings.Cut(kv, ":"); ok && k == "score_date" {
				date = v
			}
		}
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = 3
	header, err := cr.Read()
	if err != nil {
		return nil, "", fmt.Errorf("%s: header: %w", name, err)
	}
	if header[0] != "cve" || header[1] != "epss" || header[2] != "percentile" {
		return nil, "", fmt.Errorf("%s: header %v, want cve,epss,percentile", name, header)
	}
	out := map[string]EPSS{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		score, err1 := strconv.ParseFloat(rec[1], 64)
		pct, err2 := strconv.ParseFloat(rec[2], 64)
		if !cveRe.MatchString(rec[0]) || err1 != nil || err2 != nil || score < 0 || score > 1 || pct < 0 || pct > 1 {
			return nil, "", fmt.Errorf("%s:%d: bad EPSS record %v", name, line, rec)
		}
		out[rec[0]] = EPSS{score, pct}
	}
	return out, date, nil
}
