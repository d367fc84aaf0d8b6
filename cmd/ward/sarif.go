package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/modelfile"
)

// SARIF 2.1.0 output, so that code-scanning tools show a model's risks and
// findings next to the model file in review. Only the parts Ward fills are
// declared here.

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	ShortDescription sarifText      `json:"shortDescription"`
	FullDescription  *sarifText     `json:"fullDescription,omitempty"`
	Help             *sarifText     `json:"help,omitempty"`
	Properties       map[string]any `json:"properties,omitempty"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID       string             `json:"ruleId"`
	Level        string             `json:"level"`
	Message      sarifText          `json:"message"`
	Locations    []sarifLocation    `json:"locations"`
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
	Properties   map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification"`
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(severity string) string {
	switch severity {
	case "critical", "high":
		return "error"
	case "medium":
		return "warning"
	}
	return "note"
}

// writeSARIF writes risks (rule "threat/ID") and findings (rule
// "weakness/ID"), one result per asset. With the model file and its
// document, results point at the asset's line.
func writeSARIF(w io.Writer, res *assess.Result, cat *catalog.Catalog, file string, doc *modelfile.Document, assetIndex map[string]int) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "Ward", Version: version}}}
	for _, t := range cat.Threats {
		props := map[string]any{"tags": append([]string{"security", t.Group}, t.Attack...)}
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID: "threat/" + t.ID, Name: t.Name, ShortDescription: sarifText{t.Name},
			FullDescription: &sarifText{t.Description}, Properties: props,
		})
	}
	for _, wk := range cat.Weaknesses {
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID: "weakness/" + wk.ID, Name: wk.Title, ShortDescription: sarifText{wk.Title},
			Help: &sarifText{wk.Remedy}, Properties: map[string]any{"tags": []string{"security"}},
		})
	}
	locate := func(asset string) []sarifLocation {
		loc := sarifLocation{LogicalLocations: []sarifLogical{{Name: asset, FullyQualifiedName: res.Organisation + "/assets/" + asset, Kind: "asset"}}}
		if file != "" {
			loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: file}}
			if i, ok := assetIndex[asset]; ok && doc != nil {
				e := doc.Error(fmt.Sprintf("assets[%d]", i), "", "")
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: e.Line, StartColumn: e.Column}
			}
		}
		return []sarifLocation{loc}
	}
	run.Results = []sarifResult{}
	for _, r := range res.Risks {
		var why []string
		for _, f := range r.Factors {
			why = append(why, fmt.Sprintf("%s %+d %s", f.Term, f.Effect, f.Reason))
		}
		for _, a := range r.Assets {
			sr := sarifResult{
				RuleID:    "threat/" + r.Threat,
				Level:     sarifLevel(r.Severity),
				Message:   sarifText{fmt.Sprintf("%s risk on %s: %s, likelihood %d x impact %d = %d (%s). %s", r.Severity, a, r.ThreatName, r.Likelihood, r.Impact, r.Score, r.Dimension, strings.Join(why, "; "))},
				Locations: locate(a),
				Properties: map[string]any{
					"security-severity": fmt.Sprintf("%.1f", float64(r.Score)*10/25),
					"likelihood":        r.Likelihood, "impact": r.Impact, "score": r.Score,
				},
			}
			if r.Decision != nil && r.Status != assess.Open {
				sr.Suppressions = []sarifSuppression{{Kind: "external", Status: "accepted",
					Justification: fmt.Sprintf("%s on %s: %s", r.Decision.Status, r.Decision.Date, r.Decision.Justification)}}
			}
			run.Results = append(run.Results, sr)
		}
	}
	for _, f := range res.Findings {
		for i, a := range f.Assets {
			run.Results = append(run.Results, sarifResult{
				RuleID:    "weakness/" + f.Weakness,
				Level:     sarifLevel(f.Severity),
				Message:   sarifText{fmt.Sprintf("%s on %s: %s. %s", f.Title, a, f.Evidence[i], f.Remedy)},
				Locations: locate(a),
			})
		}
	}
	return writeJSON(w, sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	})
}
