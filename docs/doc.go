// Package docs holds the project's documents; it embeds the OpenAPI
// description of the REST API so the server can serve it at
// /api/openapi.yaml from the same file readers find in docs/.
package docs

import _ "embed"

// OpenAPI is docs/openapi.yaml, the OpenAPI 3 description of every HTTP
// route. server's tests keep it in step with the router.
//
//go:embed openapi.yaml
var OpenAPI []byte
