package share

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TAXIIMediaType is the media type of TAXII 2.1.
const TAXIIMediaType = "application/taxii+json;version=2.1"

// Client speaks TAXII 2.1 to a peer's API root: lists collections, pulls
// objects page by page from where it stopped, and pushes envelopes,
// retrying what fails for a while.
type Client struct {
	// APIRoot is the URL of the API root, e.g. https://hub.example/taxii2/api/.
	APIRoot string
	HTTP    *http.Client
	// User and Password authenticate with HTTP Basic; Token (ward_...)
	// with Bearer instead. Neither is ever part of an error.
	User, Password, Token string
	UserAgent             string
	// Retries and Backoff: a failure (network, 429, 5xx) is tried again
	// Retries times, waiting Backoff, then twice as long, ...
	Retries int
	Backoff time.Duration
	// OnRetry, when set, is told of each failure that will be tried again:
	// which try failed (1 is the first), of how many, why, and the wait.
	OnRetry func(try, tries int, why error, wait time.Duration)
}

// PeerError is a TAXII error answer of the peer.
type PeerError struct {
	Status      int
	Title       string
	Description string
}

func (e *PeerError) Error() string {
	return fmt.Sprintf("peer answered %d %s: %s", e.Status, e.Title, e.Description)
}

func (c *Client) do(ctx context.Context, method, path string, body []byte) (*http.Response, []byte, error) {
	base, err := url.Parse(c.APIRoot)
	if err != nil {
		return nil, nil, fmt.Errorf("API root: %w", err)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	u, err := base.Parse(path)
	if err != nil {
		return nil, nil, err
	}
	wait := c.Backoff
	for attempt := 0; ; attempt++ {
		var r io.Reader
		if body != nil {
			r = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
		if err != nil {
			return nil, nil, err
		}
		req.Header.Set("Accept", TAXIIMediaType)
		if body != nil {
			req.Header.Set("Content-Type", TAXIIMediaType)
		}
		if c.UserAgent != "" {
			req.Header.Set("User-Agent", c.UserAgent)
		}
		switch {
		case c.Token != "":
			req.Header.Set("Authorization", "Bearer "+c.Token)
		case c.User != "":
			req.SetBasicAuth(c.User, c.Password)
		}
		client := c.HTTP
		if client == nil {
			client = http.DefaultClient
		}
		resp, err := client.Do(req)
		var data []byte
		if err == nil {
			data, err = io.ReadAll(io.LimitReader(resp.Body, 256<<20))
			resp.Body.Close()
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the method and URL are said once, below
		}
		retry := err != nil || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		if !retry || attempt >= c.Retries {
			if err != nil {
				return nil, nil, fmt.Errorf("%s %s: %w", method, u.Redacted(), err)
			}
			if resp.StatusCode >= 400 {
				pe := &PeerError{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode)}
				var te struct{ Title, Description string }
				if json.Unmarshal(data, &te) == nil && te.Title != "" {
					pe.Title, pe.Description = te.Title, te.Description
				}
				return resp, data, fmt.Errorf("%s %s: %w", method, u.Redacted(), pe)
			}
			return resp, data, nil
		}
		d := wait
		if resp != nil {
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
				d = max(d, time.Duration(s)*time.Second)
			}
		}
		if c.OnRetry != nil {
			why := err
			if why == nil {
				why = fmt.Errorf("peer answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
			}
			c.OnRetry(attempt+1, c.Retries+1, fmt.Errorf("%s %s: %w", method, u.Redacted(), why), d)
		}
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(d):
		}
		wait *= 2
	}
}

// PeerCollection is a collection as a peer describes it.
type PeerCollection struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	CanRead  bool   `json:"can_read"`
	CanWrite bool   `json:"can_write"`
}

// Collections lists the peer's collections.
func (c *Client) Collections(ctx context.Context) ([]PeerCollection, error) {
	_, data, err := c.do(ctx, http.MethodGet, "collections/", nil)
	if err != nil {
		return nil, err
	}
	var out struct{ Collections []PeerCollection }
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("collections: %w", err)
	}
	return out.Collections, nil
}

// Page is one page pulled: the objects as the peer sent them, byte for
// byte, and the date the last was added.
type Page struct {
	Objects   []json.RawMessage
	LastAdded time.Time
}

// Pull fetches a collection's objects added after a time, page by page,
// handing each page to fn; it returns when the collection has no more. A
// caller that remembers each page's LastAdded resumes where it stopped.
func (c *Client) Pull(ctx context.Context, collection string, after time.Time, limit int, fn func(Page) error) (int, error) {
	n := 0
	next := ""
	for {
		q := url.Values{}
		if limit > 0 {
			q.Set("limit", strconv.Itoa(limit))
		}
		if next != "" {
			q.Set("next", next)
		} else if !after.IsZero() {
			q.Set("added_after", after.UTC().Format(time.RFC3339Nano))
		}
		resp, data, err := c.do(ctx, http.MethodGet, "collections/"+url.PathEscape(collection)+"/objects/?"+q.Encode(), nil)
		if err != nil {
			return n, err
		}
		var env struct {
			More    bool              `json:"more"`
			Next    string            `json:"next"`
			Objects []json.RawMessage `json:"objects"`
		}
		if err := json.Unmarshal(data, &env); err != nil {
			return n, fmt.Errorf("envelope from the peer: %w", err)
		}
		if len(env.Objects) > MaxObjects {
			return n, fmt.Errorf("envelope from the peer: %d objects, more than %d", len(env.Objects), MaxObjects)
		}
		p := Page{Objects: env.Objects}
		if v := resp.Header.Get("X-TAXII-Date-Added-Last"); v != "" {
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				p.LastAdded = t
			}
		}
		if err := fn(p); err != nil {
			return n, err
		}
		n += len(p.Objects)
		if !env.More || env.Next == "" {
			return n, nil
		}
		next = env.Next
	}
}

// Status is what a peer says of objects pushed to it.
type Status struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	TotalCount   int    `json:"total_count"`
	SuccessCount int    `json:"success_count"`
	FailureCount int    `json:"failure_count"`
	Failures     []struct {
		ID      string `json:"id"`
		Message string `json:"message"`
	} `json:"failures"`
}

// Push sends objects in envelopes of at most batch objects and sums up the
// peer's statuses.
func (c *Client) Push(ctx context.Context, collection string, objects []Object, batch int) (Status, error) {
	if batch <= 0 {
		batch = 1000
	}
	var total Status
	for start := 0; start < len(objects); start += batch {
		part := objects[start:min(start+batch, len(objects))]
		body, err := json.Marshal(map[string]any{"objects": part})
		if err != nil {
			return total, err
		}
		_, data, err := c.do(ctx, http.MethodPost, "collections/"+url.PathEscape(collection)+"/objects/", body)
		if err != nil {
			return total, err
		}
		var st Status
		if err := json.Unmarshal(data, &st); err != nil {
			return total, fmt.Errorf("status: %w", err)
		}
		total.ID, total.Status = st.ID, st.Status
		total.TotalCount += st.TotalCount
		total.SuccessCount += st.SuccessCount
		total.FailureCount += st.FailureCount
		total.Failures = append(total.Failures, st.Failures...)
	}
	if len(objects) == 0 {
		return total, errors.New("nothing to push")
	}
	return total, nil
}
