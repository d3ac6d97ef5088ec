package server

import (
	"time"

	"github.com/labstack/echo/v4"
)

// Role is what a person may do in a session.
type Role string

// Roles, from most to least powerful. A session's creator is its host.
const (
	RoleHost   Role = "host"
	RoleCoHost Role = "cohost"
	RoleMember Role = "member"
	RoleViewer Role = "viewer"
)

// Identity is who is calling: from a verified token (with --auth-secret)
// or a guest identity (open dev mode).
type Identity struct {
	// Subject is the stable id (a token's sub, or "guest:<uuid>").
	Subject string
	// Name is the display name.
	Name string
	// Roles are per-session roles granted by the token (session id → role).
	Roles map[string]Role
	// Guest is true in open dev mode.
	Guest bool
	// ExpiresAt is the token's expiry (zero: none).
	ExpiresAt time.Time
}

// identityKey is where the auth middleware stores the caller's Identity
// in the echo context.
const identityKey = "cocreate.identity"

// identityOf returns the caller's identity as set by the auth middleware,
// or an anonymous guest when none was set.
func identityOf(c echo.Context) Identity {
	if id, ok := c.Get(identityKey).(Identity); ok {
		return id
	}
	return Identity{Subject: "guest:anonymous", Name: "Guest", Guest: true}
}
