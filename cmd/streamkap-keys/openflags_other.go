//go:build !unix

package main

// openNonBlocking is 0 where opening a FIFO cannot block a reader.
const openNonBlocking = 0
