package artifact_test

import (
	"fmt"

	"github.com/gowandb/wandb/core/artifact"
)

func ExampleParsePath() {
	for _, s := range []string{"mnist", "mnist:v3", "proj/mnist:best", "ent/proj/mnist:latest", "ent/proj/a b"} {
		p, err := artifact.ParsePath(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		n, isIndex := p.Index()
		fmt.Printf("entity=%q project=%q name=%q alias=%q index=%v/%d\n", p.Entity, p.Project, p.Name, p.Alias(), isIndex, n)
	}
	// Output:
	// entity="" project="" name="mnist" alias="latest" index=false/0
	// entity="" project="" name="mnist" alias="v3" index=true/3
	// entity="" project="proj" name="mnist" alias="best" index=false/0
	// entity="ent" project="proj" name="mnist" alias="latest" index=false/0
	// artifact: invalid name "a b": may only contain letters, digits, '-', '_' and '.' (^[a-zA-Z0-9_\-.]+$) (in "ent/proj/a b")
}

func ExampleManifest_Digest() {
	m := artifact.NewManifest()
	m.Put(artifact.Entry{Path: "a/x.txt", Digest: "XUFAKrxLKna5cZ2REBfFkg==", Size: 5}) // "hello"
	m.Put(artifact.Entry{Path: "b.txt", Digest: "fXkwN6B2AYZXSwKC8vQ15w==", Size: 5})   // "world"
	fmt.Println(m.Digest())
	// Output: 116b2eae5b36cb1e9eede4437fa3a18b
}
