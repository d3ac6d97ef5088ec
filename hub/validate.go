package hub

import (
	"errors"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
)

// validate asks Config.Validate whether a connection's update may be
// applied to the room's document. A refused update gets a y-protocols
// "permission denied" answer on that connection and is neither applied,
// broadcast nor stored; the connection stays open. A malformed update is
// left to ApplyUpdate, which closes the connection as before.
func (rm *room) validate(c *conn, update []byte) bool {
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
	c.enqueue(yproto.PermissionDeniedMessage(err.Error()))
	return false
}
