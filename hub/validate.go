package hub

import (
	"errors"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
)

// validate asks Config.Validate whether a connection's update may be
// applied to the room's document. A refused update gets a y-protocols
// "permission denied" answer on that connection (with
// ConnOptions.OnUpdate, OnUpdate(false) instead) and is neither applied,
// broadcast nor stored; the connection stays open. A malformed update is
// left to ApplyUpdate, which closes the connection as before.
//
// It also applies the session's byte quota (quota.go): an update that
// would take the session over it closes the connection (1009), as the
// document's own size limit does.
func (rm *room) validate(c *conn, update []byte) bool {
	if err := rm.reg.quota.allow(rm.reg, rm.name, rm.size, len(update)); err != nil {
		// The quota counts the update's length; a reconnecting client's
		// sync step 2 may be long and hold nothing new.
		if ch, cerr := rm.doc.Changes(update); cerr != nil || ch {
			c.refuse(StatusMessageTooBig, "session over its size quota", "session_bytes", err)
			return false
		}
	}
	v := rm.reg.cfg.Validate
	if v == nil {
		return true
	}
	err := v(rm.name, rm.doc, update)
	if err == nil || errors.Is(err, crdt.ErrInvalidUpdate) {
		return true
	}
	rm.reg.metrics.Refused.WithLabelValues("invalid_content").Inc()
	c.log().Debug("update refused by validation", "err", err)
	if c.onUpdate != nil {
		// As for a read-only refusal: the connection's own
		// acknowledgement (Hocuspocus SyncStatus) says it was refused.
		c.onUpdate(false)
	} else {
		c.enqueue(yproto.PermissionDeniedMessage(err.Error()))
	}
	return false
}
