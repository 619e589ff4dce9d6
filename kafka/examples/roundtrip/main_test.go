package main

import "testing"

func TestRoundTrip(t *testing.T) {
	if err := run(); err != nil {
		t.Fatal(err)
	}
}
