// Package mds2form writes MDS2 workbooks for tests and examples: a form
// laid out after the published 2019 form (ANSI/NEMA HN 1-2019: one sheet,
// title rows, a header row naming "Question ID", the question, the
// "Yes, No, N/A, or See Note" answer and the note, then the question groups
// with their ids), and the bad inputs a reader must refuse. No real
// manufacturer's workbook could be had offline; see procure/testdata.
package mds2form

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"sort"

	"github.com/wardhealth/ward/procure"
	"github.com/xuri/excelize/v2"
)

// Spec is one form to write.
type Spec struct {
	Manufacturer, Model, Description, DocumentID, Released string
	// Answers by question id: Yes, No, N/A, See Note or text; questions
	// without one are left blank.
	Answers map[string]string
	Notes   map[string]string
	// Title overrides the revision line ("ANSI/NEMA HN 1-2019").
	Title string
	// Sheet is the sheet's name (default "MDS2").
	Sheet string
}

// Bytes writes the form as an XLSX workbook.
func Bytes(s Spec) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	sheet := s.Sheet
	if sheet == "" {
		sheet = "MDS2"
	}
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	title := s.Title
	if title == "" {
		title = procure.Revision2019
	}
	set := func(cell string, v any) {
		if err := x.SetCellValue(sheet, cell, v); err != nil {
			panic(err)
		}
	}
	set("A1", "Manufacturer Disclosure Statement for Medical Device Security – MDS2")
	set("A2", title)
	set("A3", s.Manufacturer)
	set("C3", s.Model)
	set("E3", s.DocumentID)
	set("G3", s.Released)
	for i, h := range []string{"Question ID", "Question", "Yes, No, N/A, or See Note", "Note #", "IEC TR 80001-2-2:2012", "NIST SP 800-53 Rev. 4", "ISO 27002:2013"} {
		c, _ := excelize.CoordinatesToCellName(i+1, 5)
		set(c, h)
	}
	answers := map[string]string{}
	for k, v := range s.Answers {
		answers[k] = v
	}
	for k, v := range map[string]string{"DOC-1": s.Manufacturer, "DOC-2": s.Description, "DOC-3": s.Model, "DOC-4": s.DocumentID, "DOC-7": s.Released} {
		if v != "" {
			answers[k] = v
		}
	}
	row := 6
	for _, sec := range procure.Form2019 {
		set(cellAt(2, row), sec.Title+" ("+sec.Code+")")
		row++
		for _, q := range sec.Questions {
			set(cellAt(1, row), q.ID)
			set(cellAt(2, row), q.Text)
			if v := answers[q.ID]; v != "" {
				set(cellAt(3, row), v)
			}
			if n := s.Notes[q.ID]; n != "" {
				set(cellAt(4, row), n)
			}
			row++
		}
	}
	var b bytes.Buffer
	if _, err := x.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func cellAt(col, row int) string {
	c, _ := excelize.CoordinatesToCellName(col, row)
	return c
}

// Write writes the form to a file.
func Write(path string, s Spec) error {
	data, err := Bytes(s)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// Table writes a workbook that is no MDS2 form: a sheet of figures.
func Table() ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	x.SetSheetName("Sheet1", "Budget")
	x.SetCellValue("Budget", "A1", "Item")
	x.SetCellValue("Budget", "B1", "Cost")
	x.SetCellValue("Budget", "A2", "Infusion pumps")
	x.SetCellValue("Budget", "B2", 120000)
	var b bytes.Buffer
	_, err := x.WriteTo(&b)
	return b.Bytes(), err
}

// Form2013 writes a form of the 2013 revision: HN 1-2013 in its title and
// questions numbered 1-1, 1-2, ...
func Form2013() ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	x.SetSheetName("Sheet1", "MDS2")
	x.SetCellValue("MDS2", "A1", "Manufacturer Disclosure Statement for Medical Device Security -- MDS2")
	x.SetCellValue("MDS2", "A2", "HIMSS/NEMA HN 1-2013")
	var b bytes.Buffer
	_, err := x.WriteTo(&b)
	return b.Bytes(), err
}

// Form2013Untitled writes the 2013 revision's numbering without its title:
// the reader must tell it from the question ids.
func Form2013Untitled() ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	x.SetSheetName("Sheet1", "MDS2")
	x.SetCellValue("MDS2", "A4", "Question ID")
	x.SetCellValue("MDS2", "B4", "Question")
	x.SetCellValue("MDS2", "A5", "1-1")
	x.SetCellValue("MDS2", "B5", "Can the device be configured to force reauthorization of logged-in user(s)?")
	var b bytes.Buffer
	_, err := x.WriteTo(&b)
	return b.Bytes(), err
}

// WithParts copies a workbook, adding parts (name → content): macros
// (xl/vbaProject.bin), links to other workbooks (xl/externalLinks/...).
func WithParts(data []byte, parts map[string][]byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range zr.File {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
		if err != nil {
			return nil, err
		}
		r, err := f.Open()
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(w, r); err != nil {
			return nil, err
		}
		r.Close()
	}
	names := make([]string, 0, len(parts))
	for n := range parts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			return nil, err
		}
		w.Write(parts[n])
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Bomb writes a zip with a workbook part whose directory entry declares
// size bytes uncompressed, while the file is a few bytes long.
func Bomb(size uint64) ([]byte, error) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create("xl/workbook.xml")
	if err != nil {
		return nil, err
	}
	w.Write([]byte(`<workbook/>`))
	raw, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, CompressedSize64: 2, UncompressedSize64: size})
	if err != nil {
		return nil, err
	}
	raw.Write([]byte{3, 0})
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Dense writes a zip whose sheet is size bytes of one repeated character,
// deflated: a part that expands thousands of times.
func Dense(size int) ([]byte, error) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("xl/workbook.xml")
	w.Write([]byte(`<workbook/>`))
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return nil, err
	}
	w.Write(bytes.Repeat([]byte{' '}, size))
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
