from omstilling.cli import main

main()
