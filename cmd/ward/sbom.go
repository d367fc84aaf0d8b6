package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/intel"
)

func sbomCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "sbom",
		Short: "Software bills of materials of assets",
	}
	var org string
	attach := &cobra.Command{
		Use:   "attach ASSET FILE",
		Short: "Attach a CycloneDX SBOM to a stored asset",
		Long: `Read a CycloneDX JSON SBOM (1.4 to 1.6) and store its components, nested
ones included, as the asset's software components, in place of those it had.
Vulnerability matching then looks at them too ('ward vulns').`,
		Args: args(cobra.ExactArgs(2)),
		RunE: func(c *cobra.Command, a []string) error {
			assetID, path := a[0], a[1]
			f, err := os.Open(path)
			if err != nil {
				return invalidError{err}
			}
			defer f.Close()
			comps, err := intel.ParseSBOM(path, f)
			if err != nil {
				return invalidError{err}
			}
			return o.withOrg(c.Context(), org, func(s ward.Store, id string) error {
				m, err := s.Model(c.Context(), id)
				if err != nil {
					return err
				}
				if err := checkAssets(m, "sbom attach", assetID); err != nil {
					return err
				}
				for i := range m.Assets {
					if m.Assets[i].ID == assetID {
						m.Assets[i].Components = comps
					}
				}
				if err := m.Validate(); err != nil {
					var ve *ward.ValidationError
					if errors.As(err, &ve) {
						return invalidError{err}
					}
					return err
				}
				if err := putModels(c.Context(), s, []*ward.Model{m}); err != nil {
					return err
				}
				if o.format == "json" {
					return writeJSON(o.stdout, map[string]any{"asset": assetID, "components": comps})
				}
				fmt.Fprintf(o.stdout, "attached %d components to %s\n", len(comps), assetID)
				return nil
			})
		},
	}
	attach.Flags().StringVar(&org, "org", "", "organisation id (default: the only one stored)")
	addFormat(attach, o, "text", "json")
	c.AddCommand(attach)
	return c
}
