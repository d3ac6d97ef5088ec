package server

import (
	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/workspace"
)

// Role is what a person may do in a session (workspace.Role).
type Role = workspace.Role

// The roles, most powerful first.
const RoleHost, RoleCoHost, RoleMember, RoleViewer = workspace.RoleHost, workspace.RoleCoHost, workspace.RoleMember, workspace.RoleViewer

// Identity is who is calling, as authenticate found it: from a verified
// token (with --auth-secret) or a guest identity (guest mode).
type Identity = workspace.Caller

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
