package yproto_test

import (
	"fmt"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
)

// Answer a peer's sync step 1 with the step 2 it needs.
func ExampleDecode() {
	doc := crdt.NewDoc(crdt.DocOptions{ClientID: 1})
	doc.GetText("t").Insert(0, "hi", nil)

	peer := crdt.NewDoc(crdt.DocOptions{ClientID: 2})
	frame := yproto.SyncStep1Message(peer.EncodeStateVector())

	msg, err := yproto.Decode(frame)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(msg.Type, msg.Sync)
	update, _ := doc.EncodeStateAsUpdate(msg.Payload)
	reply, _ := yproto.Decode(yproto.SyncStep2Message(update))
	peer.ApplyUpdate(reply.Payload, nil)
	fmt.Println(peer.GetText("t").String())

	_, err = yproto.Decode([]byte{0, 2, 0xff, 0xff, 0xff, 0xff, 0x0f})
	fmt.Println(err)
	// Output:
	// sync step1
	// hi
	// malformed y-protocols message: update at byte 7: length beyond data: 4294967295 bytes claimed, 0 left
}
