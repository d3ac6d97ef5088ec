package meeting_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/meeting"
)

// The server applies commands to the meeting document; a client's copy
// follows through the updates the document emits.
func Example() {
	doc := crdt.NewDoc(crdt.DocOptions{ClientID: 1})
	client := crdt.NewDoc(crdt.DocOptions{ClientID: 2})
	doc.OnUpdate(func(u []byte, _ any, _ *crdt.Transaction) { _ = client.ApplyUpdate(u, nil) })

	m := meeting.New(doc, meeting.Options{Title: "Weekly call", Host: "alice"})
	alice := meeting.Actor{Subject: "alice", Name: "Alice", Role: meeting.RoleHost}
	bob := meeting.Actor{Subject: "bob", Name: "Bob", Role: meeting.RoleMember}
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

	for _, body := range []string{
		`{"type":"session.start"}`,
		`{"type":"agenda.add","id":"intro","title":"Intro","minutes":5}`,
		`{"type":"agenda.next"}`,
		`{"type":"timer.start","durationMs":300000}`,
	} {
		cmd, err := meeting.DecodeCommand([]byte(body))
		if err == nil {
			_, err = m.Apply(cmd, alice, now)
		}
		if err != nil {
			fmt.Println(err)
		}
	}
	cmd, _ := meeting.DecodeCommand([]byte(`{"type":"timer.pause"}`))
	_, err := m.Apply(cmd, bob, now)
	out, _ := json.Marshal(err)
	fmt.Println(string(out), err.(*meeting.Error).Status)

	fmt.Println(client.GetArray("agenda").ToJSON())
	// Large numbers travel as float64, as in yjs; JSON prints them whole.
	endsAt, _ := json.Marshal(client.GetMap("timer").ToJSON()["endsAt"])
	fmt.Println(string(endsAt))
	// Output:
	// {"code":"forbidden","message":"member may not timer.pause"} 403
	// [map[done:false id:intro minutes:5 spentSeconds:0 title:Intro]]
	// 1767258300000
}
