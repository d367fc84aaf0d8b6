package share_test

import "github.com/wardhealth/ward"

func demoOrg(id string) ward.Organisation { return ward.Organisation{ID: id, Name: id} }
