package server_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/gowandb/wandb/core/sender"
)

// runUploadUrlsQuery is W&B's legacy Python upload-URL query, as sent.
const runUploadUrlsQuery = `query RunUploadUrls($name: String!, $files: [String]!, $entity: String, $run: String!, $description: String) {
    model(name: $name, entityName: $entity) {
        bucket(name: $run, desc: $description) {
            id
            files(names: $files) {
                uploadHeaders
                edges {
                    node {
                        name
                        url(upload: true)
                        updatedAt
                    }
                }
            }
        }
    }
}`

func TestLegacyRunUploadUrls(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.client(aliceKey).UpsertBucket(ctx, sender.BucketInput{Entity: "alice", Project: "p", Name: "r1"}); err != nil {
		t.Fatal(err)
	}
	type node struct {
		Name      string  `json:"name"`
		URL       string  `json:"url"`
		UpdatedAt *string `json:"updatedAt"`
	}
	var out struct {
		Model struct {
			Bucket struct {
				ID    string `json:"id"`
				Files struct {
					UploadHeaders []string `json:"uploadHeaders"`
					Edges         []struct {
						Node node `json:"node"`
					} `json:"edges"`
				} `json:"files"`
			} `json:"bucket"`
		} `json:"model"`
	}
	vars := map[string]any{"name": "p", "entity": "alice", "run": "r1", "files": []string{"config.yaml", "media/a.png"}}
	if err := e.client(aliceKey).Do(ctx, "RunUploadUrls", runUploadUrlsQuery, vars, &out, nil); err != nil {
		t.Fatal(err)
	}
	edges := out.Model.Bucket.Files.Edges
	if len(edges) != 2 || edges[0].Node.Name != "config.yaml" || edges[1].Node.Name != "media/a.png" || edges[0].Node.UpdatedAt != nil {
		t.Fatalf("nodes %+v", edges)
	}
	if out.Model.Bucket.Files.UploadHeaders == nil {
		t.Error("uploadHeaders missing")
	}
	// The URL takes the bytes with no credentials, as createRunFiles' do.
	req, _ := http.NewRequest(http.MethodPut, edges[0].Node.URL, bytes.NewReader([]byte("lr: 0.1\n")))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	run, err := e.st.Run(ctx, "alice", "p", "r1")
	if err != nil {
		t.Fatal(err)
	}
	if f, err := e.st.File(ctx, run.ID, "config.yaml"); err != nil || f.Size != 8 {
		t.Fatalf("stored file %+v %v", f, err)
	}
	// Asked again, the stored file has its time; a name escaping the run is refused.
	if err := e.client(aliceKey).Do(ctx, "RunUploadUrls", runUploadUrlsQuery, vars, &out, nil); err != nil {
		t.Fatal(err)
	}
	if out.Model.Bucket.Files.Edges[0].Node.UpdatedAt == nil {
		t.Error("updatedAt of a stored file is null")
	}
	vars["files"] = []string{"../escape"}
	if err := e.client(aliceKey).Do(ctx, "RunUploadUrls", runUploadUrlsQuery, vars, &out, nil); err == nil {
		t.Error("a name escaping the run got an upload URL")
	}
	// bob may not get upload URLs for alice's run.
	vars["files"] = []string{"x.txt"}
	if err := e.client(bobKey).Do(ctx, "RunUploadUrls", runUploadUrlsQuery, vars, &out, nil); err == nil {
		t.Error("bob got upload URLs for alice's run")
	}
}
