package crdt_test

import (
	"fmt"

	"github.com/cocreate/cocreate/crdt"
)

// Two peers edit the same text and converge by exchanging updates.
func Example() {
	alice := crdt.NewDoc(crdt.DocOptions{ClientID: 1})
	bob := crdt.NewDoc(crdt.DocOptions{ClientID: 2})

	// Forward every local change of alice to bob.
	alice.OnUpdate(func(update []byte, origin any, _ *crdt.Transaction) {
		if err := bob.ApplyUpdate(update, "alice"); err != nil {
			panic(err)
		}
	})
	_ = alice.GetText("notes").Insert(0, "hello world", nil)
	_ = alice.GetText("notes").Format(0, 5, crdt.Attributes{"bold": true})

	fmt.Println(bob.GetText("notes").String())
	fmt.Println(bob.GetText("notes").ToDelta()[0].Attributes)
	// Output:
	// hello world
	// map[bold:true]
}

// A server answers a peer's state vector with exactly what it lacks.
func ExampleDoc_EncodeStateAsUpdate() {
	server := crdt.NewDoc(crdt.DocOptions{ClientID: 1})
	_ = server.GetMap("meeting").Set("title", "Weekly call")

	client := crdt.NewDoc(crdt.DocOptions{ClientID: 2})
	diff, _ := server.EncodeStateAsUpdate(client.EncodeStateVector())
	_ = client.ApplyUpdate(diff, nil)

	v, _ := client.GetMap("meeting").Get("title")
	fmt.Println(v)
	// Output: Weekly call
}

// Stored updates are compacted without loading a document.
func ExampleMergeUpdates() {
	d := crdt.NewDoc(crdt.DocOptions{ClientID: 1})
	var log [][]byte
	d.OnUpdate(func(u []byte, _ any, _ *crdt.Transaction) { log = append(log, u) })
	arr := d.GetArray("agenda")
	_ = arr.Push("intro", "demo")
	_ = arr.Insert(1, "news")

	snapshot, _ := crdt.MergeUpdates(log)
	loaded := crdt.NewDoc(crdt.DocOptions{ClientID: 2})
	_ = loaded.ApplyUpdate(snapshot, nil)
	fmt.Println(loaded.GetArray("agenda").ToJSON())
	// Output: [intro news demo]
}

// The TipTap/ProseMirror layout: an XmlFragment of elements holding text.
func ExampleXmlFragment() {
	d := crdt.NewDoc(crdt.DocOptions{ClientID: 1})
	frag := d.GetXmlFragment("default")
	h := crdt.NewXmlElement("heading")
	_ = h.SetAttribute("level", 1)
	t := crdt.NewXmlText()
	_ = t.Insert(0, "Agenda", nil)
	_ = h.Insert(0, t)
	_ = frag.Insert(0, h)
	fmt.Println(frag.String())
	// Output: <heading level="1">Agenda</heading>
}
