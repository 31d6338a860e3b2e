package sender

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrQueueFull is returned by FileStream.Push when the bounded queue
	// cannot take the update; back off and re-read from the run log.
	ErrQueueFull = errors.New("sender: file_stream queue full")
	// ErrDead is returned once the file_stream has exhausted its retries.
	ErrDead = errors.New("sender: file_stream dead")
	// ErrClosed is returned by Push after Finish.
	ErrClosed = errors.New("sender: file_stream finished")
	// ErrRetryBudget reports that a retry budget ran out.
	ErrRetryBudget = errors.New("sender: retry budget exhausted")
)

// HTTPError is a non-2xx response that was not (or no longer) retried.
type HTTPError struct {
	Method, URL string
	StatusCode  int
	Body        string // first bytes of the body
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("sender: %s %s: HTTP %d: %s", e.Method, e.URL, e.StatusCode, e.Body)
}

// GraphQLErrorEntry is one entry of a GraphQL response's "errors" array.
type GraphQLErrorEntry struct {
	Message string `json:"message"`
	Path    []any  `json:"path,omitempty"`
}

// GraphQLError is a GraphQL response whose "errors" array was not empty.
type GraphQLError struct {
	Op     string
	Errors []GraphQLErrorEntry
}

func (e *GraphQLError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, x := range e.Errors {
		msgs[i] = x.Message
	}
	return fmt.Sprintf("sender: graphql %s: %s", e.Op, strings.Join(msgs, "; "))
}
