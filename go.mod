module github.com/cocreate/cocreate

go 1.26
