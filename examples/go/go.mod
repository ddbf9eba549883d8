module ecgdig.example/digitize

go 1.19
