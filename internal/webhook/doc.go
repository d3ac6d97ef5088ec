// Package webhook delivers events to the URLs people subscribe: signed,
// retried with exponential backoff for at least a day, persisted in the
// store so a restart loses nothing, and delivered by one instance when
// several share a database.
//
// Emit writes one pending delivery per subscribed webhook (notes.Pulse)
// and wakes the Dispatcher; Dispatcher.Run claims due deliveries with a
// lease (ClaimDeliveries: PostgreSQL's FOR UPDATE SKIP LOCKED), POSTs
// them and records each attempt (FinishDelivery), which is the
// deliveries log people read. A delivery whose instance dies keeps its
// row; its lease expires and another instance takes it, so delivery is
// at least once, and exactly once unless an instance dies between the
// receiver's answer and the record of it.
//
// Every request carries X-Cocreate-Signature: t=<unix>,v1=<hex
// HMAC-SHA256(secret, t + "." + body)> (Sign; Verify is the receiver's
// side). Targets on private, loopback, link-local and other
// non-public addresses are refused (unless AllowPrivate) when the
// connection is made, by the dialer's Control function, so a name that
// resolves to such an address, or changes to one, is refused too;
// redirects are not followed.
//
// It knows no HTTP routes and no access rules: package workspace
// decides who may subscribe what and calls Emit.
package webhook
