module github.com/osteele/liquid

go 1.23

require (
	github.com/osteele/tuesday v1.0.3
	github.com/stretchr/testify v1.12.1
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect

replace github.com/osteele/tuesday => ../tuesday
