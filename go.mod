module github.com/s3lua/s3lua

go 1.26.8
