package sender

import (
	"context"
	"fmt"
)

// The artifact operations of wandb-core (wandb-behaviour.md §6.4, §6.6),
// with the shapes of core/api/graphql/*.graphql.

// ArtifactInput is CreateArtifact's input.
type ArtifactInput struct {
	Entity, Project string
	Type            string
	Name            string // the collection name
	RunName         string // "" for an artifact created outside a run
	Digest          string // hex manifest digest
	Description     string
	Metadata        string // JSON object text, or ""
	Aliases         []string
	Tags            []string
	HistoryStep     *int64
	ClientID        string
}

// CreatedArtifact is what CreateArtifact returns.
type CreatedArtifact struct {
	ID       string
	State    string // "PENDING" or "COMMITTED"
	LatestID string // the collection's latest version before this one, or ""
}

const createArtifactMutation = `mutation CreateArtifact($input: CreateArtifactInput!) {
  createArtifact(input: $input) {
    artifact { id state digest artifactSequence { id latestArtifact { id versionIndex } } }
  }
}`

// CreateArtifact creates (or finds, by digest) a version.
func (c *Client) CreateArtifact(ctx context.Context, in ArtifactInput) (CreatedArtifact, error) {
	aliases := []any{}
	for _, a := range in.Aliases {
		aliases = append(aliases, map[string]any{"artifactCollectionName": in.Name, "alias": a})
	}
	tags := []any{}
	for _, t := range in.Tags {
		tags = append(tags, map[string]any{"tagName": t})
	}
	input := map[string]any{
		"entityName": in.Entity, "projectName": in.Project, "artifactTypeName": in.Type,
		"artifactCollectionName": in.Name, "digest": in.Digest, "digestAlgorithm": "MANIFEST_MD5",
		"description": in.Description, "aliases": aliases, "tags": tags,
		"enableDigestDeduplication": true,
	}
	if in.RunName != "" {
		input["runName"] = in.RunName
	}
	if in.Metadata != "" {
		input["metadata"] = in.Metadata
	}
	if in.HistoryStep != nil {
		input["historyStep"] = *in.HistoryStep
	}
	if in.ClientID != "" {
		input["clientID"] = in.ClientID
	}
	var out struct {
		CreateArtifact struct {
			Artifact struct {
				ID               string `json:"id"`
				State            string `json:"state"`
				ArtifactSequence struct {
					LatestArtifact *struct {
						ID string `json:"id"`
					} `json:"latestArtifact"`
				} `json:"artifactSequence"`
			} `json:"artifact"`
		} `json:"createArtifact"`
	}
	if err := c.Do(ctx, "CreateArtifact", createArtifactMutation, map[string]any{"input": input}, &out, nil); err != nil {
		return CreatedArtifact{}, err
	}
	a := out.CreateArtifact.Artifact
	r := CreatedArtifact{ID: a.ID, State: a.State}
	if l := a.ArtifactSequence.LatestArtifact; l != nil {
		r.LatestID = l.ID
	}
	if r.ID == "" {
		return CreatedArtifact{}, fmt.Errorf("sender: graphql CreateArtifact: no artifact id in the response")
	}
	return r, nil
}

// ManifestUpload is where a manifest file goes.
type ManifestUpload struct {
	ID            string
	UploadURL     string
	UploadHeaders []string
}

const createArtifactManifestMutation = `mutation CreateArtifactManifest($name: String!, $digest: String!, $artifactID: ID!,
  $baseArtifactID: ID, $entityName: String!, $projectName: String!, $runName: String, $type: ArtifactManifestType) {
  createArtifactManifest(input: {name: $name, digest: $digest, artifactID: $artifactID, baseArtifactID: $baseArtifactID,
    entityName: $entityName, projectName: $projectName, runName: $runName, type: $type}) {
    artifactManifest { id file { id name uploadUrl uploadHeaders } }
  }
}`

// CreateArtifactManifest registers the manifest file (name
// "wandb_manifest.json", digest its base64 MD5) and returns its upload
// URL ("" when the server already has those bytes).
func (c *Client) CreateArtifactManifest(ctx context.Context, artifactID, baseArtifactID, entity, project, run, name, digest string) (ManifestUpload, error) {
	vars := map[string]any{"name": name, "digest": digest, "artifactID": artifactID, "entityName": entity,
		"projectName": project, "type": "FULL"}
	if baseArtifactID != "" {
		vars["baseArtifactID"] = baseArtifactID
	}
	if run != "" {
		vars["runName"] = run
	}
	var out struct {
		CreateArtifactManifest struct {
			ArtifactManifest struct {
				ID   string `json:"id"`
				File struct {
					UploadURL     *string  `json:"uploadUrl"`
					UploadHeaders []string `json:"uploadHeaders"`
				} `json:"file"`
			} `json:"artifactManifest"`
		} `json:"createArtifactManifest"`
	}
	if err := c.Do(ctx, "CreateArtifactManifest", createArtifactManifestMutation, vars, &out, nil); err != nil {
		return ManifestUpload{}, err
	}
	m := out.CreateArtifactManifest.ArtifactManifest
	return ManifestUpload{ID: m.ID, UploadURL: deref(m.File.UploadURL), UploadHeaders: m.File.UploadHeaders}, nil
}

// PartSpec announces one part of a multipart upload.
type PartSpec struct {
	Number int64  // from 1
	HexMD5 string // hex MD5 of the part's bytes
}

// ArtifactFileSpec is one file of CreateArtifactFiles.
type ArtifactFileSpec struct {
	ArtifactID string
	Name       string // entry path
	MD5        string // base64 MD5 of the content
	ManifestID string
	Parts      []PartSpec // set for a multipart upload
}

// PartURL is where one part goes; URL "" means the server already has it.
type PartURL struct {
	Number int64
	URL    string
}

// ArtifactFileUpload is the answer for one file. UploadURL "" and
// Multipart nil mean the server already stores the content.
type ArtifactFileUpload struct {
	Name            string
	StoragePath     string
	UploadURL       string
	UploadHeaders   []string
	Multipart       *MultipartUpload
	BirthArtifactID string
}

// MultipartUpload is an upload in parts.
type MultipartUpload struct {
	UploadID string
	Parts    []PartURL
}

const createArtifactFilesMutation = `mutation CreateArtifactFiles($storageLayout: ArtifactStorageLayout!, $artifactFiles: [CreateArtifactFileSpecInput!]!) {
  createArtifactFiles(input: {artifactFiles: $artifactFiles, storageLayout: $storageLayout}) {
    files { edges { node {
      id name displayName uploadUrl uploadHeaders storagePath
      uploadMultipartUrls { uploadID uploadUrlParts { partNumber uploadUrl uploaded } }
      artifact { id }
    } } }
  }
}`

// CreateArtifactFiles asks where to upload files (storage layout V2).
func (c *Client) CreateArtifactFiles(ctx context.Context, specs []ArtifactFileSpec) ([]ArtifactFileUpload, error) {
	files := make([]any, 0, len(specs))
	for _, s := range specs {
		f := map[string]any{"artifactID": s.ArtifactID, "name": s.Name, "md5": s.MD5}
		if s.ManifestID != "" {
			f["artifactManifestID"] = s.ManifestID
		}
		if len(s.Parts) > 0 {
			parts := make([]any, len(s.Parts))
			for i, p := range s.Parts {
				parts[i] = map[string]any{"partNumber": p.Number, "hexMD5": p.HexMD5}
			}
			f["uploadPartsInput"] = parts
		}
		files = append(files, f)
	}
	var out struct {
		CreateArtifactFiles struct {
			Files struct {
				Edges []struct {
					Node struct {
						Name                string   `json:"name"`
						UploadURL           *string  `json:"uploadUrl"`
						UploadHeaders       []string `json:"uploadHeaders"`
						StoragePath         *string  `json:"storagePath"`
						UploadMultipartUrls *struct {
							UploadID       string `json:"uploadID"`
							UploadURLParts []struct {
								PartNumber int64   `json:"partNumber"`
								UploadURL  *string `json:"uploadUrl"`
								Uploaded   bool    `json:"uploaded"`
							} `json:"uploadUrlParts"`
						} `json:"uploadMultipartUrls"`
						Artifact struct {
							ID string `json:"id"`
						} `json:"artifact"`
					} `json:"node"`
				} `json:"edges"`
			} `json:"files"`
		} `json:"createArtifactFiles"`
	}
	vars := map[string]any{"storageLayout": "V2", "artifactFiles": files}
	if err := c.Do(ctx, "CreateArtifactFiles", createArtifactFilesMutation, vars, &out, nil); err != nil {
		return nil, err
	}
	res := make([]ArtifactFileUpload, 0, len(specs))
	for _, e := range out.CreateArtifactFiles.Files.Edges {
		n := e.Node
		u := ArtifactFileUpload{Name: n.Name, StoragePath: deref(n.StoragePath), UploadURL: deref(n.UploadURL),
			UploadHeaders: n.UploadHeaders, BirthArtifactID: n.Artifact.ID}
		if m := n.UploadMultipartUrls; m != nil {
			u.Multipart = &MultipartUpload{UploadID: m.UploadID}
			for _, p := range m.UploadURLParts {
				url := deref(p.UploadURL)
				if p.Uploaded {
					url = "" // the server has it: nothing to send
				}
				u.Multipart.Parts = append(u.Multipart.Parts, PartURL{Number: p.PartNumber, URL: url})
			}
		}
		res = append(res, u)
	}
	if len(res) != len(specs) {
		return nil, fmt.Errorf("sender: graphql CreateArtifactFiles: %d files answered for %d asked", len(res), len(specs))
	}
	return res, nil
}

const completeMultipartMutation = `mutation CompleteMultipartUploadArtifact($completeMultipartAction: CompleteMultipartAction!,
  $completedParts: [UploadPartsInput!]!, $artifactID: ID!, $storagePath: String!, $uploadID: String!) {
  completeMultipartUploadArtifact(input: {completeMultipartAction: $completeMultipartAction, completedParts: $completedParts,
    artifactID: $artifactID, storagePath: $storagePath, uploadID: $uploadID}) { digest }
}`

// CompleteMultipartUpload assembles an upload's parts.
func (c *Client) CompleteMultipartUpload(ctx context.Context, artifactID, storagePath, uploadID string, parts []PartSpec) error {
	ps := make([]any, len(parts))
	for i, p := range parts {
		ps[i] = map[string]any{"partNumber": p.Number, "hexMD5": p.HexMD5}
	}
	vars := map[string]any{"completeMultipartAction": "Complete", "completedParts": ps, "artifactID": artifactID,
		"storagePath": storagePath, "uploadID": uploadID}
	return c.Do(ctx, "CompleteMultipartUploadArtifact", completeMultipartMutation, vars, nil, nil)
}

const commitArtifactMutation = `mutation CommitArtifact($artifactID: ID!) {
  commitArtifact(input: {artifactID: $artifactID}) { artifact { id digest } }
}`

// CommitArtifact finalizes a version.
func (c *Client) CommitArtifact(ctx context.Context, artifactID string) error {
	return c.Do(ctx, "CommitArtifact", commitArtifactMutation, map[string]any{"artifactID": artifactID}, nil, nil)
}

const useArtifactMutation = `mutation UseArtifact($entityName: String!, $projectName: String!, $runName: String!, $artifactID: ID!) {
  useArtifact(input: {entityName: $entityName, projectName: $projectName, runName: $runName, artifactID: $artifactID}) {
    artifact { id }
  }
}`

// UseArtifact records that a run used a version.
func (c *Client) UseArtifact(ctx context.Context, artifactID, entity, project, run string) error {
	vars := map[string]any{"entityName": entity, "projectName": project, "runName": run, "artifactID": artifactID}
	return c.Do(ctx, "UseArtifact", useArtifactMutation, vars, nil, nil)
}

// RunRef names a run.
type RunRef struct {
	Entity, Project, Name string
}

// ArtifactInfo is a version as the server describes it.
type ArtifactInfo struct {
	ID           string
	Entity       string
	Project      string
	Collection   string
	Type         string
	VersionIndex *int
	Digest       string
	State        string
	Description  string
	Metadata     string // JSON text
	CreatedAt    string
	HistoryStep  *int64
	Aliases      []string
	ManifestURL  string // directUrl of wandb_manifest.json
	CreatedBy    *RunRef
	UsedBy       []RunRef
}

const artifactFragment = `fragment ArtifactFragment on Artifact {
  id digest state versionIndex description metadata createdAt historyStep
  aliases { alias artifactCollectionName }
  artifactType { name }
  artifactSequence { name project { name entity { name } } }
  currentManifest { file { directUrl } }
  createdBy { __typename ... on Run { name project { name entity { name } } } }
  usedBy { edges { node { name project { name entity { name } } } } }
}`

type runNode struct {
	Name    string `json:"name"`
	Project struct {
		Name   string `json:"name"`
		Entity struct {
			Name string `json:"name"`
		} `json:"entity"`
	} `json:"project"`
}

func (r runNode) ref() RunRef {
	return RunRef{Entity: r.Project.Entity.Name, Project: r.Project.Name, Name: r.Name}
}

type artifactNode struct {
	ID           string  `json:"id"`
	Digest       string  `json:"digest"`
	State        string  `json:"state"`
	VersionIndex *int    `json:"versionIndex"`
	Description  *string `json:"description"`
	Metadata     *string `json:"metadata"`
	CreatedAt    string  `json:"createdAt"`
	HistoryStep  *int64  `json:"historyStep"`
	Aliases      []struct {
		Alias string `json:"alias"`
	} `json:"aliases"`
	ArtifactType struct {
		Name string `json:"name"`
	} `json:"artifactType"`
	ArtifactSequence struct {
		Name    string `json:"name"`
		Project struct {
			Name   string `json:"name"`
			Entity struct {
				Name string `json:"name"`
			} `json:"entity"`
		} `json:"project"`
	} `json:"artifactSequence"`
	CurrentManifest *struct {
		File struct {
			DirectURL string `json:"directUrl"`
		} `json:"file"`
	} `json:"currentManifest"`
	CreatedBy *struct {
		Typename string `json:"__typename"`
		runNode
	} `json:"createdBy"`
	UsedBy struct {
		Edges []struct {
			Node runNode `json:"node"`
		} `json:"edges"`
	} `json:"usedBy"`
}

func (n *artifactNode) info() *ArtifactInfo {
	a := &ArtifactInfo{ID: n.ID, Digest: n.Digest, State: n.State, VersionIndex: n.VersionIndex,
		Description: deref(n.Description), Metadata: deref(n.Metadata), CreatedAt: n.CreatedAt, HistoryStep: n.HistoryStep,
		Type: n.ArtifactType.Name, Collection: n.ArtifactSequence.Name, Project: n.ArtifactSequence.Project.Name,
		Entity: n.ArtifactSequence.Project.Entity.Name}
	for _, al := range n.Aliases {
		a.Aliases = append(a.Aliases, al.Alias)
	}
	if n.CurrentManifest != nil {
		a.ManifestURL = n.CurrentManifest.File.DirectURL
	}
	if n.CreatedBy != nil && n.CreatedBy.Typename == "Run" {
		r := n.CreatedBy.runNode.ref()
		a.CreatedBy = &r
	}
	for _, e := range n.UsedBy.Edges {
		a.UsedBy = append(a.UsedBy, e.Node.ref())
	}
	return a
}

const artifactByNameQuery = `query ArtifactByName($entityName: String!, $projectName: String!, $name: String!) {
  project(name: $projectName, entityName: $entityName) { artifact(name: $name) { ...ArtifactFragment } }
}
` + artifactFragment

// ArtifactByName resolves "collection:alias|vN|digest" in a project; nil
// when the project or version does not exist.
func (c *Client) ArtifactByName(ctx context.Context, entity, project, name string) (*ArtifactInfo, error) {
	var out struct {
		Project *struct {
			Artifact *artifactNode `json:"artifact"`
		} `json:"project"`
	}
	vars := map[string]any{"entityName": entity, "projectName": project, "name": name}
	if err := c.Do(ctx, "ArtifactByName", artifactByNameQuery, vars, &out, nil); err != nil {
		return nil, err
	}
	if out.Project == nil || out.Project.Artifact == nil {
		return nil, nil
	}
	return out.Project.Artifact.info(), nil
}

const artifactByIDQuery = `query ArtifactByID($id: ID!) { artifact(id: $id) { ...ArtifactFragment } }
` + artifactFragment

// ArtifactByID returns a version by server id; nil if none.
func (c *Client) ArtifactByID(ctx context.Context, id string) (*ArtifactInfo, error) {
	var out struct {
		Artifact *artifactNode `json:"artifact"`
	}
	if err := c.Do(ctx, "ArtifactByID", artifactByIDQuery, map[string]any{"id": id}, &out, nil); err != nil {
		return nil, err
	}
	if out.Artifact == nil {
		return nil, nil
	}
	return out.Artifact.info(), nil
}

const artifactManifestQuery = `query ArtifactManifest($artifactID: ID!) {
  artifact(id: $artifactID) { currentManifest { file { directUrl } } }
}`

// ArtifactManifestURL returns the download URL of a version's manifest.
func (c *Client) ArtifactManifestURL(ctx context.Context, artifactID string) (string, error) {
	var out struct {
		Artifact *struct {
			CurrentManifest *struct {
				File struct {
					DirectURL string `json:"directUrl"`
				} `json:"file"`
			} `json:"currentManifest"`
		} `json:"artifact"`
	}
	if err := c.Do(ctx, "ArtifactManifest", artifactManifestQuery, map[string]any{"artifactID": artifactID}, &out, nil); err != nil {
		return "", err
	}
	if out.Artifact == nil || out.Artifact.CurrentManifest == nil {
		return "", fmt.Errorf("sender: graphql ArtifactManifest: artifact %s has no manifest", artifactID)
	}
	return out.Artifact.CurrentManifest.File.DirectURL, nil
}

// EntryRef names a manifest entry for ArtifactFileURLs.
type EntryRef struct {
	Name            string
	Digest          string
	Size            int64
	BirthArtifactID string
}

const fileURLsQuery = `query ArtifactFileURLsByManifestEntries($storageLayout: String!, $manifestVersion: String!,
  $entries: [ArtifactManifestEntryInput!], $artifactID: ID!) {
  artifact(id: $artifactID) {
    filesByManifestEntries(storageLayout: $storageLayout, manifestVersion: $manifestVersion, entries: $entries) {
      edges { node { name directUrl } }
    }
  }
}`

// ArtifactFileURLs returns the download URL of each entry, by name.
func (c *Client) ArtifactFileURLs(ctx context.Context, artifactID string, entries []EntryRef) (map[string]string, error) {
	es := make([]any, len(entries))
	for i, e := range entries {
		m := map[string]any{"name": e.Name, "digest": e.Digest, "size": e.Size}
		if e.BirthArtifactID != "" {
			m["birthArtifactID"] = e.BirthArtifactID
		}
		es[i] = m
	}
	var out struct {
		Artifact *struct {
			Files struct {
				Edges []struct {
					Node struct {
						Name      string `json:"name"`
						DirectURL string `json:"directUrl"`
					} `json:"node"`
				} `json:"edges"`
			} `json:"filesByManifestEntries"`
		} `json:"artifact"`
	}
	vars := map[string]any{"storageLayout": "V2", "manifestVersion": "1", "entries": es, "artifactID": artifactID}
	if err := c.Do(ctx, "ArtifactFileURLsByManifestEntries", fileURLsQuery, vars, &out, nil); err != nil {
		return nil, err
	}
	if out.Artifact == nil {
		return nil, fmt.Errorf("sender: graphql ArtifactFileURLsByManifestEntries: no artifact %s", artifactID)
	}
	urls := make(map[string]string, len(entries))
	for _, e := range out.Artifact.Files.Edges {
		urls[e.Node.Name] = e.Node.DirectURL
	}
	return urls, nil
}

const projectArtifactsQuery = `query ProjectArtifacts($entityName: String!, $projectName: String!) {
  project(name: $projectName, entityName: $entityName) {
    artifactTypes { edges { node { name artifactCollections { edges { node {
      name latestArtifact { ...ArtifactFragment }
    } } } } } }
  }
}
` + artifactFragment

// ProjectArtifacts returns the latest version of every collection of a
// project, by type then name.
func (c *Client) ProjectArtifacts(ctx context.Context, entity, project string) ([]*ArtifactInfo, error) {
	var out struct {
		Project *struct {
			ArtifactTypes struct {
				Edges []struct {
					Node struct {
						Name                string `json:"name"`
						ArtifactCollections struct {
							Edges []struct {
								Node struct {
									LatestArtifact *artifactNode `json:"latestArtifact"`
								} `json:"node"`
							} `json:"edges"`
						} `json:"artifactCollections"`
					} `json:"node"`
				} `json:"edges"`
			} `json:"artifactTypes"`
		} `json:"project"`
	}
	vars := map[string]any{"entityName": entity, "projectName": project}
	if err := c.Do(ctx, "ProjectArtifacts", projectArtifactsQuery, vars, &out, nil); err != nil {
		return nil, err
	}
	var res []*ArtifactInfo
	if out.Project == nil {
		return nil, nil
	}
	for _, t := range out.Project.ArtifactTypes.Edges {
		for _, c := range t.Node.ArtifactCollections.Edges {
			if c.Node.LatestArtifact != nil {
				res = append(res, c.Node.LatestArtifact.info())
			}
		}
	}
	return res, nil
}
