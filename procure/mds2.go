// Package procure checks a candidate device before it is bought: the
// manufacturer's MDS2 form (ANSI/NEMA HN 1-2019, as the XLSX workbook
// manufacturers publish), its SBOM and a short candidate file are checked
// against the hospital's device requirements (catalog), the device is
// placed in the model as a planned asset, candidates are compared side by
// side, and what is not met becomes tender clauses.
package procure

import (
	"archive/zip"
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/wardhealth/ward/modelfile"
	"github.com/xuri/excelize/v2"
)

// Limits bound what reading a workbook may cost. The zip directory is
// checked against them before anything is decompressed.
type Limits struct {
	// MaxBytes is the largest workbook file accepted.
	MaxBytes int64
	// MaxUnzipped is the most all its parts may decompress to, as the
	// zip directory declares them (archive/zip holds each part to its
	// declared size).
	MaxUnzipped int64
	// MaxRatio is the most one part may expand, for parts over 1 MiB.
	MaxRatio int64
	// MaxEntries is the most parts the zip may have.
	MaxEntries int
	// MaxRows is the most rows read of a sheet.
	MaxRows int
}

// DefaultLimits suit every real MDS2 workbook (a few hundred KiB).
var DefaultLimits = Limits{MaxBytes: 16 << 20, MaxUnzipped: 64 << 20, MaxRatio: 200, MaxEntries: 2000, MaxRows: 5000}

// Answer is one answered question of the form.
type Answer struct {
	Question string `json:"question"`
	// Text is the question as the form words it.
	Text string `json:"text,omitempty"`
	// Value is yes, no, n/a, see-note, blank, or the answer's text when
	// it is none of these (DOC-1's manufacturer name, ...).
	Value string `json:"value"`
	// Raw is the cell as written.
	Raw  string `json:"raw,omitempty"`
	Note string `json:"note,omitempty"`
	// Cell is where the answer stands: sheet!cell.
	Cell string `json:"cell"`
}

// Form is a read MDS2 form.
type Form struct {
	File     string `json:"file"`
	Revision string `json:"revision"`
	Sheet    string `json:"sheet"`
	// Manufacturer, Model, Description, DocumentID and Released are the
	// form's DOC-1, DOC-3, DOC-2, DOC-4 and DOC-7.
	Manufacturer string `json:"manufacturer,omitempty"`
	Model        string `json:"model,omitempty"`
	Description  string `json:"description,omitempty"`
	DocumentID   string `json:"document_id,omitempty"`
	Released     string `json:"released,omitempty"`
	// Answers by question id, in the form's order.
	Answers []Answer `json:"answers"`
	// Warnings say what the workbook holds that Ward did not use:
	// macros (never run), external links (never followed), question ids
	// the 2019 form lacks.
	Warnings []string `json:"warnings,omitempty"`
	index    map[string]int
}

// Answer gives the answer to a question, if the form has it.
func (f *Form) Answer(id string) (Answer, bool) {
	if f == nil {
		return Answer{}, false
	}
	i, ok := f.index[id]
	if !ok {
		return Answer{}, false
	}
	return f.Answers[i], true
}

// Revision2019 names the form revision Ward reads.
const Revision2019 = "ANSI/NEMA HN 1-2019"

var (
	questionIDRe = regexp.MustCompile(`^[A-Z]{3,4}-[0-9]+(\.[0-9]+)*$`)
	oldIDRe      = regexp.MustCompile(`^[0-9]{1,2}-[0-9]{1,2}$`)
	rev2019Re    = regexp.MustCompile(`(?i)HN\s*1-2019`)
	oldRevRe     = regexp.MustCompile(`(?i)HN\s*1-(20(04|08|13))|MDS2[^0-9]{0,20}(2004|2008|2013)\b`)
)

func bad(name, cell, msg, hint string) error {
	return modelfile.Errors{{File: name, Field: cell, Message: msg, Hint: hint}}
}

// checkZip reads the zip directory of a workbook and refuses, before any
// part is decompressed, one that is not a workbook or that would expand
// past the limits. It returns what the workbook holds that is never used.
func checkZip(name string, data []byte, lim Limits) ([]string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF")):
		return nil, bad(name, "", "a PDF, not an XLSX workbook", "Ward reads the MDS2 form as the XLSX workbook manufacturers publish; ask the supplier for the .xlsx")
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return nil, bad(name, "", "an old Excel (.xls) or password-protected workbook, not an XLSX workbook", "save it as an unprotected .xlsx")
	case !bytes.HasPrefix(data, []byte("PK")):
		return nil, bad(name, "", "not an XLSX workbook (no zip signature)", "the MDS2 form as an .xlsx file")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, bad(name, "", "not an XLSX workbook: "+err.Error(), "")
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, bad(name, "", fmt.Sprintf("the workbook has %d parts, more than %d", len(zr.File), lim.MaxEntries), "refused unread, as a zip bomb would be")
	}
	var total uint64
	var warnings []string
	workbook := false
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > uint64(lim.MaxUnzipped) {
			return nil, bad(name, f.Name, fmt.Sprintf("the workbook would decompress to more than %d MiB", lim.MaxUnzipped>>20), "refused unread, as a zip bomb would be")
		}
		if f.UncompressedSize64 > 1<<20 && f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > uint64(lim.MaxRatio) {
			return nil, bad(name, f.Name, fmt.Sprintf("a part expands %d times", f.UncompressedSize64/f.CompressedSize64), "refused unread, as a zip bomb would be")
		}
		n := strings.ToLower(f.Name)
		switch {
		case n == "xl/workbook.xml":
			workbook = true
		case path.Base(n) == "vbaproject.bin":
			warnings = append(warnings, "the workbook carries macros ("+f.Name+"): never run")
		case strings.HasPrefix(n, "xl/externallinks/"):
			if strings.HasSuffix(n, ".xml") {
				warnings = append(warnings, "the workbook links to another workbook ("+f.Name+"): never followed; cached values only")
			}
		case strings.HasPrefix(n, "xl/activex/"), strings.HasPrefix(n, "xl/embeddings/"):
			warnings = append(warnings, "the workbook embeds objects ("+f.Name+"): never opened")
		}
	}
	if !workbook {
		return nil, bad(name, "", "a zip file, but not an XLSX workbook (no xl/workbook.xml)", "the MDS2 form as an .xlsx file")
	}
	return warnings, nil
}

// ReadForm reads an MDS2 form of the 2019 revision from an XLSX workbook.
// The workbook's macros are never run, links to other workbooks never
// followed and formulas never computed: each cell's stored value is read.
// A workbook that is not an MDS2 form, or a form of another revision, is
// refused, naming the sheet and cell that tell.
func ReadForm(name string, data []byte, lim Limits) (*Form, error) {
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	if int64(len(data)) > lim.MaxBytes {
		return nil, bad(name, "", fmt.Sprintf("the workbook is larger than %d MiB", lim.MaxBytes>>20), "")
	}
	warnings, err := checkZip(name, data, lim)
	if err != nil {
		return nil, err
	}
	x, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: lim.MaxUnzipped, UnzipXMLSizeLimit: lim.MaxUnzipped})
	if err != nil {
		return nil, bad(name, "", "the workbook cannot be read: "+err.Error(), "")
	}
	defer x.Close()
	sheets := x.GetSheetList()
	for _, sheet := range sheets {
		rows, err := readRows(x, sheet, lim.MaxRows)
		if err != nil {
			return nil, bad(name, sheet, "the sheet cannot be read: "+err.Error(), "")
		}
		// Another revision says so in its title rows (unless they name
		// the 2019 revision too, as one replacing another may).
		var older error
		is2019 := false
		for r, row := range rows[:min(len(rows), 12)] {
			for c, v := range row {
				if rev2019Re.MatchString(v) {
					is2019 = true
				}
				if m := oldRevRe.FindString(v); m != "" && older == nil {
					older = bad(name, cellName(sheet, c, r), fmt.Sprintf("an MDS2 form of another revision (%q)", m), "Ward reads the 2019 form ("+Revision2019+"); ask the supplier for it")
				}
			}
		}
		if older != nil && !is2019 {
			return nil, older
		}
		hr, cols, ok := header(rows)
		if !ok {
			continue
		}
		f, err := readAnswers(name, sheet, rows, hr, cols)
		if err != nil {
			return nil, err
		}
		f.Warnings = append(warnings, f.Warnings...)
		return f, nil
	}
	return nil, bad(name, strings.Join(sheets, ", "), "not an MDS2 form: no sheet has a \"Question ID\" column in its first 40 rows",
		"Ward reads the MDS2 form of "+Revision2019+" as NEMA publishes it, answers beside the question ids")
}

func readRows(x *excelize.File, sheet string, max int) ([][]string, error) {
	it, err := x.Rows(sheet)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var rows [][]string
	for it.Next() && len(rows) < max {
		cols, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, err
		}
		rows = append(rows, cols)
	}
	return rows, it.Error()
}

type columns struct{ id, question, answer, note int }

// header finds the row naming the form's columns: "Question ID", the
// question, the answer and the notes.
func header(rows [][]string) (int, columns, bool) {
	for r, row := range rows[:min(len(rows), 40)] {
		cols := columns{-1, -1, -1, -1}
		for c, v := range row {
			h := strings.ToLower(strings.Join(strings.Fields(v), " "))
			switch {
			case cols.id < 0 && (h == "question id" || h == "id"):
				cols.id = c
			case cols.id >= 0 && cols.question < 0 && strings.HasPrefix(h, "question"):
				cols.question = c
			case cols.id >= 0 && cols.answer < 0 && (strings.HasPrefix(h, "answer") || strings.HasPrefix(h, "response") || strings.HasPrefix(h, "yes")):
				cols.answer = c
			case cols.id >= 0 && cols.note < 0 && strings.Contains(h, "note"):
				cols.note = c
			}
		}
		if cols.id < 0 {
			continue
		}
		if cols.question < 0 {
			cols.question = cols.id + 1
		}
		if cols.answer < 0 {
			cols.answer = cols.question + 1
		}
		return r, cols, true
	}
	return 0, columns{}, false
}

func readAnswers(name, sheet string, rows [][]string, hr int, cols columns) (*Form, error) {
	f := &Form{File: name, Revision: Revision2019, Sheet: sheet, index: map[string]int{}}
	get := func(row []string, c int) string {
		if c >= 0 && c < len(row) {
			return strings.TrimSpace(row[c])
		}
		return ""
	}
	known := 0
	var unknown []string
	for r := hr + 1; r < len(rows); r++ {
		id := strings.ToUpper(get(rows[r], cols.id))
		if id == "" {
			continue
		}
		if oldIDRe.MatchString(id) {
			return nil, bad(name, cellName(sheet, cols.id, r), fmt.Sprintf("question id %q is numbered as the 2013 form numbers them", id), "Ward reads the 2019 form ("+Revision2019+"); ask the supplier for it")
		}
		if !questionIDRe.MatchString(id) {
			continue // a section heading or a comment
		}
		if _, dup := f.index[id]; dup {
			return nil, bad(name, cellName(sheet, cols.id, r), fmt.Sprintf("question %s is answered twice", id), "")
		}
		if _, ok := known2019[id]; ok {
			known++
		} else {
			unknown = append(unknown, id)
		}
		raw := get(rows[r], cols.answer)
		f.index[id] = len(f.Answers)
		f.Answers = append(f.Answers, Answer{Question: id, Text: get(rows[r], cols.question), Value: normalise(raw), Raw: raw,
			Note: get(rows[r], cols.note), Cell: cellName(sheet, cols.answer, r)})
	}
	if known < 10 {
		return nil, bad(name, cellName(sheet, cols.id, hr), fmt.Sprintf("a \"Question ID\" column with %d of the 2019 form's question ids", known),
			"not an MDS2 form of "+Revision2019+", or a partial one")
	}
	if len(unknown) > 0 {
		f.Warnings = append(f.Warnings, fmt.Sprintf("%d question ids the 2019 form does not have, read all the same: %s", len(unknown), strings.Join(unknown[:min(len(unknown), 8)], ", ")))
	}
	text := func(id string) string {
		if a, ok := f.Answer(id); ok {
			return a.Raw
		}
		return ""
	}
	f.Manufacturer, f.Description, f.Model, f.DocumentID, f.Released = text("DOC-1"), text("DOC-2"), text("DOC-3"), text("DOC-4"), text("DOC-7")
	return f, nil
}

// normalise maps an answer to yes, no, n/a, see-note or blank; any other
// text is kept as written.
func normalise(raw string) string {
	v := strings.ToLower(strings.Trim(strings.Join(strings.Fields(raw), " "), ".!"))
	switch v {
	case "yes", "y", "true":
		return "yes"
	case "no", "n", "false":
		return "no"
	case "n/a", "na", "n.a", "not applicable":
		return "n/a"
	case "see note", "see notes", "see note(s)":
		return "see-note"
	case "":
		return "blank"
	}
	switch {
	case strings.HasPrefix(v, "yes"):
		return "yes"
	case strings.HasPrefix(v, "no,") || strings.HasPrefix(v, "no "):
		return "no"
	}
	return raw
}

func cellName(sheet string, col, row int) string {
	c, err := excelize.CoordinatesToCellName(col+1, row+1)
	if err != nil {
		return sheet
	}
	if strings.ContainsAny(sheet, " !'") {
		return "'" + strings.ReplaceAll(sheet, "'", "''") + "'!" + c
	}
	return sheet + "!" + c
}
