module github.com/wardhealth/ward

go 1.26

require (
	github.com/package-url/packageurl-go v0.1.7
	go.yaml.in/yaml/v3 v3.0.6
)
