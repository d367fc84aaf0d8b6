package core

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/wardhealth/ward"
)

// KeepAssessment stores the assessment of now as a run, with its audit
// entry in the same transaction.
func (s *Server) KeepAssessment(ctx context.Context, c *Call, v *View) (ward.Assessment, error) {
	data, err := json.Marshal(v.Result)
	if err != nil {
		return ward.Assessment{}, err
	}
	a := ward.Assessment{Org: c.Org, Revision: v.Revision, Created: s.Cfg.Now().UTC(), Actor: c.User.Name, Data: data}
	a.ID, err = s.Cfg.Store.PutAssessment(s.Audited(ctx, c, "assessment.run", "revision "+strconv.FormatInt(v.Revision, 10), "worst "+string(v.Result.Summary.Worst)), a)
	return a, err
}
