package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/modelfile"
)

// Problem is an RFC 9457 problem detail, the body of every API error.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Errors lists the problems of a model, each with its place.
	Errors []modelfile.Error `json:"errors,omitempty"`
	// Header is set on the response (Retry-After, Allow).
	Header http.Header `json:"-"`
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

// Fail makes a problem of a status with a detail.
func Fail(status int, format string, a ...any) *Problem {
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: fmt.Sprintf(format, a...)}
}

// Invalid is a model with errors: 422 with every error and its place.
func Invalid(errs modelfile.Errors) *Problem {
	p := Fail(http.StatusUnprocessableEntity, "the model has %d problem(s)", len(errs))
	p.Type = "https://ward.example/problems/invalid-model"
	p.Errors = errs
	return p
}

// AsProblem maps an error to the problem sent: domain errors to their
// status; anything else is a 500 whose detail is not shown (it is logged).
func AsProblem(err error) (*Problem, bool) {
	var p *Problem
	var mb *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &p):
		return p, true
	case errors.Is(err, ward.ErrNotFound):
		return Fail(http.StatusNotFound, "%s", err.Error()), true
	case errors.Is(err, ward.ErrConflict):
		return Fail(http.StatusPreconditionFailed, "%s; read it again and retry", err.Error()), true
	case errors.Is(err, ward.ErrExists):
		return Fail(http.StatusConflict, "%s", err.Error()), true
	case errors.As(err, &mb):
		return Fail(http.StatusRequestEntityTooLarge, "the body is larger than %d bytes", mb.Limit), true
	case errors.As(err, &ne) && ne.Timeout():
		return Fail(http.StatusRequestTimeout, "the body did not arrive in time"), true
	}
	if errs, ok := modelfile.AsErrors(err); ok {
		return Invalid(errs), true
	}
	return Fail(http.StatusInternalServerError, "the server could not complete the request; the error is logged"), false
}

func WriteProblem(w http.ResponseWriter, p *Problem) {
	for k, v := range p.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// WriteJSON sends a value as compact JSON, in one write.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		WriteProblem(w, Fail(http.StatusInternalServerError, "the answer could not be encoded"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
